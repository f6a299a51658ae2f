/// Why the server could not start.
public struct HTTPServerError: Error, CustomStringConvertible, Sendable {
    /// The host and port the server tried to listen on.
    public let address: String
    /// What the socket layer reported.
    public let underlying: String

    /// What failed and what to do about it.
    public var description: String {
        "cannot listen on \(address): \(underlying); choose a free port (0 picks one) or stop the process holding it"
    }
}
