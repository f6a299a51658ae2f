/// A failed QTickets API call, with what to do about it.
public struct QTicketsError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// 403: the token is wrong or revoked. Never retried.
        case forbidden
        /// 404 JSON (`RESOURCE_NOT_FOUND`: the id is not in this account) or 404 HTML (no such route).
        case notFound
        /// 429: too many requests. Retried with backoff.
        case rateLimited
        /// 5xx, e.g. 503 `UNKNOWN_ERROR`, the server's generic exception wrapper. Retried a bounded
        /// number of times: the same request sometimes fails the same way every time.
        case server
        /// Another unexpected HTTP status.
        case unexpectedStatus
        /// No answer: connection refused or reset, timeout. Retried.
        case transport
        /// An answer that is not the JSON expected (truncated body, wrong shape). Retried, since a
        /// body cut short by a dropped connection reads the same way.
        case invalidResponse
        /// The server ignored the JSON body's filter (rows outside it came back). Never retried.
        case filterIgnored
    }

    public let kind: Kind
    public let message: String
    /// The HTTP status, when there was an answer.
    public let status: Int?

    public init(kind: Kind, message: String, status: Int? = nil) {
        self.kind = kind
        self.message = message
        self.status = status
    }

    /// Whether sending the same request again may succeed.
    public var isTransient: Bool {
        switch kind {
        case .rateLimited, .server, .transport, .invalidResponse: true
        case .forbidden, .notFound, .unexpectedStatus, .filterIgnored: false
        }
    }

    public var description: String { message }
}
