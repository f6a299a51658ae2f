import Foundation

extension EnvironmentDecoder {
    /// Reads the optional `[notify]` table: a webhook, a Telegram bot, or both.
    ///
    /// - Returns: The settings, or `nil` when the table is absent or names no channel.
    func decodeNotify(in root: TableReader) -> Environment.Notify? {
        guard let table = root.table("notify", expected: "a [notify] table") else {
            return nil
        }
        let webURL = "an http:// or https:// URL"
        let webhook = table.string("webhook_url", expected: webURL, isValid: ValueFormats.isWebURL)
        let telegram = decodeTelegram(in: table, expectedURL: webURL)
        let timeout = table.integer("timeout_seconds", in: 1...60) ?? 10
        table.reportUnknownKeys()

        if !table.contains("webhook_url") && !["telegram_token", "telegram_chat_id"].contains(where: table.contains) {
            table.diagnostics.report(
                .missingKey,
                at: table.path,
                "[notify] names no channel; add webhook_url, or telegram_token with telegram_chat_id"
            )
        }
        guard webhook != nil || telegram != nil else {
            return nil
        }
        return Environment.Notify(
            webhookURL: webhook.flatMap(URL.init(string:)), telegram: telegram, timeout: .seconds(timeout))
    }

    /// Reads `telegram_token`, `telegram_chat_id` and `telegram_api_url`, which go together.
    private func decodeTelegram(in table: TableReader, expectedURL: String) -> Environment.Notify.Telegram? {
        let tokenPath = table.path.appending("telegram_token")
        let chatPath = table.path.appending("telegram_chat_id")
        let apiPath = table.path.appending("telegram_api_url")
        let hasToken = table.value("telegram_token") != nil
        let token = hasToken ? decodeSecret("telegram_token", in: table) : nil
        let chatID = table.string(
            "telegram_chat_id",
            expected: #"a Telegram chat: its numeric id, or "@channel""#,
            acceptingIntegers: true,
            isValid: ValueFormats.isTelegramChatID
        )
        let apiURL = table.string("telegram_api_url", expected: expectedURL, isValid: ValueFormats.isWebURL)

        let hasChat = table.contains("telegram_chat_id")
        if hasToken && !hasChat {
            table.diagnostics.report(
                .missingKey,
                at: chatPath,
                locatedAt: tokenPath,
                "telegram_token needs telegram_chat_id, the chat the bot writes to"
            )
        }
        if hasChat && !hasToken {
            table.diagnostics.report(
                .missingKey,
                at: tokenPath,
                locatedAt: chatPath,
                #"telegram_chat_id needs telegram_token, a reference to the bot's token such as { env = "DEPLOYCTL_TELEGRAM_TOKEN" }"#
            )
        }
        if table.contains("telegram_api_url") && !hasToken && !hasChat {
            table.diagnostics.report(
                .conflict, at: apiPath, "telegram_api_url only applies with telegram_token and telegram_chat_id")
        }
        if case .remoteFile = token {
            table.diagnostics.report(
                .invalidValue,
                at: tokenPath,
                #"the workstation sends the message, so it reads the token: write { env = "VAR" } or { file = "~/path" }"#
            )
            return nil
        }
        guard let token, let chatID else {
            return nil
        }
        let base = apiURL.flatMap(URL.init(string:)) ?? Environment.Notify.Telegram.defaultAPIURL
        return Environment.Notify.Telegram(token: token, chatID: chatID, apiURL: base)
    }
}
