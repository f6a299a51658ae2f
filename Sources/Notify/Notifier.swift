import Environments
import Foundation

/// Sends a ``NotificationMessage`` to the channels of an environment's `[notify]`: the webhook
/// gets the message as JSON, the Telegram bot its summary.
///
/// Sending never throws: a channel that cannot be reached, answers with an error status, takes
/// longer than `timeout_seconds` or whose token cannot be read comes back as a
/// ``NotificationFailure``, so a notification can never change a command's outcome. No failure
/// contains the Telegram token.
public struct Notifier: Sendable {
    /// Telegram refuses longer texts.
    static let telegramTextLimit = 4096

    /// The environment's `[notify]`.
    public let settings: Environment.Notify
    private let variables: [String: String]

    /// Creates a notifier.
    ///
    /// - Parameter environment: The variables a `telegram_token = { env = … }` reference is looked up in.
    public init(settings: Environment.Notify, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.settings = settings
        self.variables = environment
    }

    /// Sends `message` to every channel at once.
    ///
    /// - Returns: One failure per channel that did not take the message, webhook first; empty when all did.
    public func send(_ message: NotificationMessage) async -> [NotificationFailure] {
        async let webhook = sendWebhook(message)
        async let telegram = sendTelegram(message)
        return [await webhook, await telegram].compactMap { $0 }
    }

    private var post: JSONPost { JSONPost(timeout: settings.timeout) }

    private func sendWebhook(_ message: NotificationMessage) async -> NotificationFailure? {
        guard let url = settings.webhookURL else { return nil }
        return await post.send(message, to: url).map { NotificationFailure(channel: .webhook, reason: $0) }
    }

    private func sendTelegram(_ message: NotificationMessage) async -> NotificationFailure? {
        guard let telegram = settings.telegram else { return nil }
        let token: String
        do {
            token = try telegram.token.resolveLocally(environment: variables) ?? ""
        } catch {
            return NotificationFailure(channel: .telegram, reason: error.description)
        }
        guard token.wholeMatch(of: /[0-9]+:[A-Za-z0-9_-]+/) != nil else {
            return NotificationFailure(
                channel: .telegram,
                reason:
                    "\(telegram.token) does not hold a bot token as @BotFather gives it (digits, ':', letters, digits, _ and -)"
            )
        }
        let base =
            telegram.apiURL.absoluteString.hasSuffix("/")
            ? String(telegram.apiURL.absoluteString.dropLast()) : telegram.apiURL.absoluteString
        guard let url = URL(string: "\(base)/bot\(token)/sendMessage") else {
            return NotificationFailure(channel: .telegram, reason: "telegram_api_url and the token make no URL")
        }
        let text = TelegramMessage(chatID: telegram.chatID, text: Self.telegramText(message.summary))
        let failure = await post.send(text, to: url) { data in
            try? JSONDecoder().decode(TelegramRefusal.self, from: data).description
        }
        return failure.map {
            NotificationFailure(channel: .telegram, reason: $0.replacingOccurrences(of: token, with: "<token>"))
        }
    }

    /// `summary` cut to what Telegram accepts, which it counts in UTF-16 code units.
    static func telegramText(_ summary: String) -> String {
        guard summary.utf16.count > telegramTextLimit else { return summary }
        var text = ""
        var length = 0
        for character in summary {
            let width = character.utf16.count
            guard length + width < telegramTextLimit else { break }
            text.append(character)
            length += width
        }
        return text + "…"
    }
}

/// The body of the Bot API's `sendMessage`.
private struct TelegramMessage: Encodable {
    let chatID: String
    let text: String

    enum CodingKeys: String, CodingKey {
        case chatID = "chat_id"
        case text
    }
}

/// What the Bot API says when it refuses a message: `{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}`.
private struct TelegramRefusal: Decodable {
    let description: String
}
