import Foundation

/// What a command produces: a value for machines (its JSON), a text for people, and its verdict.
/// Types conform where they are defined, so the rendering lives beside the result.
public protocol CommandOutput: Encodable, Sendable {
    /// How the command ended; `success` unless something failed.
    var verdict: Verdict { get }

    /// When the verdict is not `success`: one sentence saying why, for `error.message` in JSON.
    var failureSummary: String { get }

    /// The text a person reads.
    func render(_ terminal: Terminal) -> String
}

extension CommandOutput {
    public var verdict: Verdict { .success }
    public var failureSummary: String { "" }
}

/// The one JSON document every command prints with `--json`, for success and failure alike:
///
///     {"schema": "deployctl/2", "command": "migrate status", "ok": true, "result": {…}, "error": null}
///
/// `result` is the command's output (also on failure when there is one, such as a failed check's
/// report); `error` is null on success, else `{"code": "check_failed", "message": "…"}`.
public struct JSONEnvelope<Result: Encodable>: Encodable {
    /// The envelope's schema; bumped when a field changes meaning or goes away.
    public static var schema: String { "deployctl/2" }

    public struct ErrorBody: Encodable, Sendable {
        public let code: String
        public let message: String

        public init(code: String, message: String) {
            self.code = code
            self.message = message
        }
    }

    public let command: String
    public let result: Result?
    public let error: ErrorBody?

    public init(command: String, result: Result?, error: ErrorBody?) {
        self.command = command
        self.result = result
        self.error = error
    }

    enum CodingKeys: String, CodingKey { case schema, command, ok, result, error }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.schema, forKey: .schema)
        try container.encode(command, forKey: .command)
        try container.encode(error == nil, forKey: .ok)
        try container.encode(result, forKey: .result)
        try container.encode(error, forKey: .error)
    }

    /// The document as pretty-printed UTF-8 text with sorted keys.
    public func text() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

/// An envelope's `result` when a command failed before it had one.
public struct NoResult: Encodable, Sendable {
    public init() {}
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encodeNil()
    }
}
