/// What deployctl announces after `verify`, `deploy` or `rollback`: the document a webhook receives
/// (schema `deployctl-notify/1`), whose ``summary`` is also the Telegram message.
public struct NotificationMessage: Sendable, Equatable, Encodable {
    /// The schema of the webhook document; it changes only when a field changes meaning or goes away.
    public static let currentSchema = "deployctl-notify/1"

    /// The command whose result is announced.
    public enum Command: String, Sendable, Equatable, Encodable {
        /// `deployctl verify`.
        case verify
        /// `deployctl deploy`.
        case deploy
        /// `deployctl rollback`.
        case rollback
    }

    /// ``currentSchema``.
    public let schema: String
    /// The environment's name.
    public let environment: String
    /// The command whose result this is.
    public let command: Command
    /// Whether the command succeeded (its exit status is 0).
    public let ok: Bool
    /// The command's verdict as the JSON envelope names it (`ok`, `check_failed`, `locked`, …).
    public let verdict: String
    /// The release verified or deployed; `nil` when there was none.
    public let release: String?
    /// One short paragraph in Russian for a person.
    public let summary: String
    /// The path of the E2E report on the workstation, for `verify`; otherwise `nil`.
    public let report: String?

    /// Creates a message; ``verification(environment:release:ok:verdict:checksPassed:checksTotal:blocking:reportPath:)``
    /// and ``deployment(_:environment:release:ok:verdict:unchanged:failure:rollback:hosts:)`` also write the summary.
    public init(
        environment: String, command: Command, ok: Bool, verdict: String, release: String?, summary: String,
        report: String?
    ) {
        schema = Self.currentSchema
        self.environment = environment
        self.command = command
        self.ok = ok
        self.verdict = verdict
        self.release = release
        self.summary = summary
        self.report = report
    }

    private enum CodingKeys: String, CodingKey {
        case schema, environment, command, ok, verdict, release, summary, report
    }

    /// Writes every key, with `null` for an absent release or report, so receivers need not guess.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(schema, forKey: .schema)
        try container.encode(environment, forKey: .environment)
        try container.encode(command, forKey: .command)
        try container.encode(ok, forKey: .ok)
        try container.encode(verdict, forKey: .verdict)
        try container.encode(release, forKey: .release)
        try container.encode(summary, forKey: .summary)
        try container.encode(report, forKey: .report)
    }
}
