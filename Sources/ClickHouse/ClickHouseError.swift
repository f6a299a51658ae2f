import TextSupport

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A failure talking to ClickHouse: the server's own exception (code, name, message) or a
/// transport problem (nothing listening, timeout).
public struct ClickHouseError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Where the failure came from.
    public enum Kind: String, Sendable, Equatable {
        /// The server answered with an exception.
        case server
        /// The request could not be delivered or its answer not read.
        case transport
        /// The request ran out of time.
        case timeout
        /// The answer was not in the expected shape.
        case decoding
    }

    public let kind: Kind
    /// ClickHouse's error code (`62` for SYNTAX_ERROR), for server errors.
    public let code: Int?
    /// ClickHouse's error name (`SYNTAX_ERROR`), when the server sent it or the code is known.
    public let name: String?
    /// The exception's message without the code and name decoration.
    public let message: String
    /// The HTTP status of the answer, when there was one.
    public let httpStatus: Int?

    public init(kind: Kind, code: Int? = nil, name: String? = nil, message: String, httpStatus: Int? = nil) {
        self.kind = kind
        self.code = code
        self.name = name ?? code.flatMap { ClickHouseErrorCodes.names[$0] }
        self.message = message
        self.httpStatus = httpStatus
    }

    /// UNKNOWN_TABLE (60) or UNKNOWN_DATABASE (81): what was asked for does not exist (yet).
    public var isMissingTable: Bool { code == 60 || code == 81 }

    /// ACCESS_DENIED (497), or DATABASE_ACCESS_DENIED (291) of servers before SQL access control:
    /// the user lacks the right.
    public var isAccessDenied: Bool { code == 497 || code == 291 }

    public var description: String {
        switch kind {
        case .server:
            let label = [code.map { "Code \($0)" }, name].compactMap { $0 }.joined(separator: " ")
            return label.isEmpty ? message : "\(label): \(message)"
        case .transport, .timeout, .decoding:
            return message
        }
    }

    /// `true` for a distributed DDL that outlived `distributed_ddl_task_timeout`: it goes on running
    /// on the hosts that have not finished, so it is not a failure yet.
    public var isDistributedDDLTimeout: Bool { code == 159 }

    /// Reads an exception from an HTTP answer in either format servers use:
    /// modern `Code: 62. DB::Exception: … (SYNTAX_ERROR) (version …)` and old (≤ 20.x)
    /// `Code: 62, e.displayText() = DB::Exception: …, e.what() = DB::Exception`.
    /// The `X-ClickHouse-Exception-Code` header, when present, wins over the body.
    public static func parse(body: String, headerCode: String?, httpStatus: Int) -> ClickHouseError {
        let text = body.trimmingWhitespace()
        var code = headerCode.flatMap { Int($0.trimmingWhitespace()) }
        var name: String?
        var message = text
        if let range = text.firstRange(of: "Code: ") {
            let afterCode = text[range.upperBound...]
            let digits = afterCode.prefix { $0.isNumber }
            if code == nil { code = Int(digits) }
            var rest = afterCode.dropFirst(digits.count)
            if rest.hasPrefix(", e.displayText() = ") {
                rest = rest.dropFirst(", e.displayText() = ".count)
                if let what = rest.ranges(of: ", e.what() = ").last { rest = rest[..<what.lowerBound] }
            } else if rest.hasPrefix(". ") {
                rest = rest.dropFirst(2)
            }
            if rest.hasPrefix("DB::Exception: ") { rest = rest.dropFirst("DB::Exception: ".count) }
            var body = String(rest)
            if let version = body.ranges(of: " (version ").last {
                body = String(body[..<version.lowerBound])
            }
            if body.hasSuffix(")"), let open = body.ranges(of: " (").last {
                let candidate = body[open.upperBound..<body.index(before: body.endIndex)]
                if !candidate.isEmpty, candidate.allSatisfy({ $0.isUppercase || $0.isNumber || $0 == "_" }) {
                    name = String(candidate)
                    body = String(body[..<open.lowerBound])
                }
            }
            message = body.hasSuffix(".") ? String(body.dropLast()) : body
        }
        return ClickHouseError(kind: .server, code: code, name: name, message: message, httpStatus: httpStatus)
    }
}

/// Names of the error codes deployctl meets, for servers (old ones) that send only the number.
enum ClickHouseErrorCodes {
    static let names: [Int: String] = [
        36: "BAD_ARGUMENTS", 47: "UNKNOWN_IDENTIFIER", 57: "TABLE_ALREADY_EXISTS", 60: "UNKNOWN_TABLE",
        62: "SYNTAX_ERROR",
        73: "UNKNOWN_FORMAT", 81: "UNKNOWN_DATABASE", 82: "DATABASE_ALREADY_EXISTS", 115: "UNKNOWN_SETTING",
        159: "TIMEOUT_EXCEEDED",
        164: "READONLY", 192: "UNKNOWN_USER", 193: "WRONG_PASSWORD", 194: "REQUIRED_PASSWORD",
        195: "IP_ADDRESS_NOT_ALLOWED",
        209: "SOCKET_TIMEOUT", 210: "NETWORK_ERROR", 241: "MEMORY_LIMIT_EXCEEDED", 242: "TABLE_IS_READ_ONLY",
        253: "REPLICA_ALREADY_EXISTS", 291: "DATABASE_ACCESS_DENIED", 394: "QUERY_WAS_CANCELLED", 497: "ACCESS_DENIED",
        516: "AUTHENTICATION_FAILED",
    ]
}
