import Foundation

extension Environment {
    /// Where the results of `verify`, `deploy` and `rollback` are announced (`[notify]`).
    ///
    /// At least one of ``webhookURL`` and ``telegram`` is set; the decoder refuses a table with neither.
    public struct Notify: Sendable, Hashable {
        /// A Telegram bot and the chat it writes to.
        public struct Telegram: Sendable, Hashable {
            /// `telegram_token`: where the bot's token is kept on the workstation, never the token itself.
            public var token: SecretReference

            /// `telegram_chat_id`: a numeric chat id (as text) or a public `@channel` name.
            public var chatID: String

            /// `telegram_api_url`: the Bot API's base URL; messages go to `<apiURL>/bot<token>/sendMessage`.
            public var apiURL: URL

            /// The Bot API everyone uses; tests point ``apiURL`` at a local receiver instead.
            public static let defaultAPIURL = URL(string: "https://api.telegram.org")!

            /// Creates the Telegram settings.
            public init(token: SecretReference, chatID: String, apiURL: URL = Self.defaultAPIURL) {
                self.token = token
                self.chatID = chatID
                self.apiURL = apiURL
            }
        }

        /// `webhook_url`: where a JSON document is posted, or `nil` for none.
        public var webhookURL: URL?

        /// The Telegram bot, or `nil` for none.
        public var telegram: Telegram?

        /// `timeout_seconds`: how long one notification may take before it counts as failed (whole seconds; a fraction is rounded up).
        public var timeout: Duration

        /// Creates the notification settings.
        public init(webhookURL: URL? = nil, telegram: Telegram? = nil, timeout: Duration = .seconds(10)) {
            self.webhookURL = webhookURL
            self.telegram = telegram
            self.timeout = timeout
        }
    }
}
