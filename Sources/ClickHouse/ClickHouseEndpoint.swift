#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Where a ClickHouse HTTP interface is and who to be there. Prints without its password.
public struct ClickHouseEndpoint: Sendable, CustomStringConvertible {
    /// Base URL of the HTTP interface, e.g. `http://127.0.0.1:41234` (an SSH tunnel's local end).
    public var url: URL
    /// The user, sent as `X-ClickHouse-User`.
    public var user: String
    /// The password, sent as `X-ClickHouse-Key`; never printed or logged.
    public var password: String
    /// The database for unqualified names (`database=`), or the server's default.
    public var database: String?
    /// How long one request may take.
    public var timeout: Duration

    public init(url: URL, user: String, password: String, database: String? = nil, timeout: Duration = .seconds(60)) {
        self.url = url
        self.user = user
        self.password = password
        self.database = database
        self.timeout = timeout
    }

    public var description: String {
        "\(user)@\(url.absoluteString)\(database.map { "/\($0)" } ?? "")"
    }

    /// The same endpoint using another database.
    public func using(database: String?) -> ClickHouseEndpoint {
        var copy = self
        copy.database = database
        return copy
    }
}
