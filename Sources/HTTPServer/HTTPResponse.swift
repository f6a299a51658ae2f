import NIOCore
import NIOHTTP1

/// The answer a handler gives to one request.
///
/// The server adds `Content-Length` (always the length of the whole `body`) and the
/// `Connection` header; handlers set everything else.
public struct HTTPResponse: Sendable {
    /// The status code, e.g. 200 or 404.
    public var status: Int
    /// Response headers other than `Content-Length` and `Connection`.
    public var headers: HTTPHeaders
    /// The response body.
    public var body: ByteBuffer
    /// When set, only the first `cut` bytes of the body are sent and the connection is then closed,
    /// although the headers announced the whole body: the client sees a connection that broke
    /// mid-response. Used to simulate failures; `nil` sends the response normally.
    public var cut: Int?

    /// Creates a response from a byte buffer.
    public init(status: Int, headers: HTTPHeaders = [:], body: ByteBuffer = ByteBuffer(), cut: Int? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.cut = cut
    }

    /// Creates a response whose body is UTF-8 text.
    public init(status: Int, headers: HTTPHeaders = [:], text: String) {
        self.init(status: status, headers: headers, body: ByteBuffer(string: text))
    }

    /// Creates a response whose body is the given bytes.
    public init(status: Int, headers: HTTPHeaders = [:], bytes: [UInt8]) {
        self.init(status: status, headers: headers, body: ByteBuffer(bytes: bytes))
    }
}
