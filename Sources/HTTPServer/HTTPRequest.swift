import NIOHTTP1

/// One complete HTTP request as the server read it.
///
/// The body is kept whatever the method: QTickets' list calls are `GET` requests with a JSON body.
public struct HTTPRequest: Sendable {
    /// The method as sent, in upper case (`GET`, `POST`, …).
    public var method: String
    /// The percent-decoded path without the query string, e.g. `/api/rest/v1/orders`.
    public var path: String
    /// Query-string parameters, percent-decoded; for a repeated name the last value wins.
    public var query: [String: String]
    /// The request headers; look-ups by name are case-insensitive.
    public var headers: HTTPHeaders
    /// The request body, empty when none was sent.
    public var body: [UInt8]

    /// Creates a request; the server builds these, tests and handlers may too.
    public init(
        method: String, path: String, query: [String: String] = [:], headers: HTTPHeaders = [:], body: [UInt8] = []
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// Splits a request target (`/path?a=1&b=2`) into its decoded path and query parameters.
    static func parse(target: String) -> (path: String, query: [String: String]) {
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = percentDecoded(parts.first.map(String.init) ?? "/", plusIsSpace: false)
        var query: [String: String] = [:]
        if parts.count == 2 {
            for pair in parts[1].split(separator: "&") where !pair.isEmpty {
                let nameAndValue = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let name = percentDecoded(String(nameAndValue[0]), plusIsSpace: true)
                query[name] = nameAndValue.count == 2 ? percentDecoded(String(nameAndValue[1]), plusIsSpace: true) : ""
            }
        }
        return (path, query)
    }

    /// Decodes `%XX` escapes; a malformed escape is kept as written rather than rejected.
    private static func percentDecoded(_ text: String, plusIsSpace: Bool) -> String {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "%") || (plusIsSpace && $0 == UInt8(ascii: "+")) }) else {
            return text
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        let source = Array(text.utf8)
        var index = 0
        while index < source.count {
            let byte = source[index]
            if byte == UInt8(ascii: "%"), index + 2 < source.count,
                let high = hexValue(source[index + 1]), let low = hexValue(source[index + 2])
            {
                bytes.append(high << 4 | low)
                index += 3
            } else {
                bytes.append(plusIsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
