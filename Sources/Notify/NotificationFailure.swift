/// A notification that did not arrive. It never fails the command that sent it: deployctl prints
/// it as one line on standard error, and it never contains a secret.
public struct NotificationFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where the notification was going.
    public enum Channel: String, Sendable, Equatable {
        /// `webhook_url`.
        case webhook
        /// The Telegram bot.
        case telegram
    }

    /// Where the notification was going.
    public let channel: Channel
    /// What went wrong, such as `HTTP 500 from hooks.example.invalid`.
    public let reason: String

    /// Creates a failure; `reason` must not contain a secret.
    public init(channel: Channel, reason: String) {
        self.channel = channel
        self.reason = reason
    }

    /// `notify: webhook failed: HTTP 500 from hooks.example.invalid`.
    public var description: String { "notify: \(channel.rawValue) failed: \(reason)" }
}
