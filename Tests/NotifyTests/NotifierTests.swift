import Environments
import Foundation
import HTTPServer
import NIOHTTP1
import Notify
import Testing

@Suite("Notifications reach a real HTTP receiver, and a failed one is reported without the token")
struct NotifierTests {
    /// A token made at run time, in the shape @BotFather gives.
    static let token =
        "\(Int.random(in: 100_000...999_999)):AA" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
    static let variables = ["DEPLOYCTL_TELEGRAM_TOKEN": token]
    static let message = NotificationMessage.verification(
        environment: "museshow", release: "1a2b3c4d5e6f7a8b", ok: true, verdict: "ok", checksPassed: 32,
        checksTotal: 32, blocking: [],
        reportPath: "/srv/reports/TASK-QT-API-E2E-REPORT.md")

    static func telegram(_ url: URL, chatID: String = "-1001234567890") -> Environment.Notify.Telegram {
        Environment.Notify.Telegram(token: .environment("DEPLOYCTL_TELEGRAM_TOKEN"), chatID: chatID, apiURL: url)
    }

    static func json(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    @Test("the webhook receives the JSON document with Content-Type: application/json")
    func webhookDocument() async throws {
        let (failures, requests) = try await NotificationReceiver.with { receiver in
            let failures = await Notifier(
                settings: .init(webhookURL: receiver.url.appendingPathComponent("hooks/deploy"))
            ).send(Self.message)
            return (failures, await receiver.requests)
        }
        #expect(failures.isEmpty)
        let request = try #require(requests.first)
        #expect(requests.count == 1)
        #expect(request.method == "POST")
        #expect(request.path == "/hooks/deploy")
        #expect(request.headers["Content-Type"] == ["application/json"])
        let document = try Self.json(request.body)
        #expect(
            Set(document.keys) == ["schema", "environment", "command", "ok", "verdict", "release", "summary", "report"])
        #expect(document["schema"] as? String == "deployctl-notify/1")
        #expect(document["environment"] as? String == "museshow")
        #expect(document["command"] as? String == "verify")
        #expect(document["ok"] as? Bool == true)
        #expect(document["verdict"] as? String == "ok")
        #expect(document["release"] as? String == "1a2b3c4d5e6f7a8b")
        #expect(document["summary"] as? String == Self.message.summary)
        #expect(document["report"] as? String == "/srv/reports/TASK-QT-API-E2E-REPORT.md")
    }

    @Test("a deploy's document has a null report, and a missing release is null too")
    func nullFields() async throws {
        let message = NotificationMessage(
            environment: "client-prod", command: .deploy, ok: false, verdict: "locked", release: nil, summary: "…",
            report: nil)
        let requests = try await NotificationReceiver.with { receiver in
            _ = await Notifier(settings: .init(webhookURL: receiver.url)).send(message)
            return await receiver.requests
        }
        let document = try Self.json(try #require(requests.first).body)
        #expect(document["report"] is NSNull)
        #expect(document["release"] is NSNull)
        #expect(document["ok"] as? Bool == false)
        #expect(document["command"] as? String == "deploy")
    }

    @Test("the Telegram bot posts the summary to /bot<token>/sendMessage")
    func telegramMessage() async throws {
        let (failures, requests) = try await NotificationReceiver.with { receiver in
            let settings = Environment.Notify(telegram: Self.telegram(receiver.url))
            let failures = await Notifier(settings: settings, environment: Self.variables).send(Self.message)
            return (failures, await receiver.requests)
        }
        #expect(failures.isEmpty)
        let request = try #require(requests.first)
        #expect(request.method == "POST")
        #expect(request.path == "/bot\(Self.token)/sendMessage")
        #expect(request.headers["Content-Type"] == ["application/json"])
        let body = try Self.json(request.body)
        #expect(body["chat_id"] as? String == "-1001234567890")
        #expect(body["text"] as? String == Self.message.summary)
        #expect(Set(body.keys) == ["chat_id", "text"])
    }

    @Test("a Telegram API URL with a path and a trailing slash keeps the path")
    func telegramBasePath() async throws {
        let requests = try await NotificationReceiver.with { receiver in
            let settings = Environment.Notify(
                telegram: Self.telegram(try #require(URL(string: receiver.url.absoluteString + "/proxy/"))))
            _ = await Notifier(settings: settings, environment: Self.variables).send(Self.message)
            return await receiver.requests
        }
        #expect(requests.map(\.path) == ["/proxy/bot\(Self.token)/sendMessage"])
    }

    @Test("both channels get the message")
    func bothChannels() async throws {
        let paths = try await NotificationReceiver.with { receiver in
            let settings = Environment.Notify(
                webhookURL: receiver.url.appendingPathComponent("hook"), telegram: Self.telegram(receiver.url))
            #expect(await Notifier(settings: settings, environment: Self.variables).send(Self.message).isEmpty)
            return await receiver.requests.map(\.path).sorted()
        }
        #expect(paths == ["/bot\(Self.token)/sendMessage", "/hook"])
    }

    @Test("a text longer than Telegram takes is cut to 4096 UTF-16 units")
    func longText() async throws {
        let summary = String(repeating: "проверка 🚀 ", count: 600)
        let message = NotificationMessage(
            environment: "museshow", command: .verify, ok: false, verdict: "check_failed", release: nil,
            summary: summary, report: nil)
        let requests = try await NotificationReceiver.with { receiver in
            _ = await Notifier(settings: .init(telegram: Self.telegram(receiver.url)), environment: Self.variables)
                .send(message)
            return await receiver.requests
        }
        let request = try #require(requests.first)
        let text = try #require(try Self.json(request.body)["text"] as? String)
        #expect(text.utf16.count <= 4096)
        #expect(text.hasSuffix("…"))
        #expect(summary.hasPrefix(text.dropLast()))
    }

    @Test("an error status is reported with the server, and the webhook's body is left out")
    func webhookErrorStatus() async throws {
        let (failures, port) = try await NotificationReceiver.with(status: 500, answer: "internal error") { receiver in
            (
                await Notifier(settings: .init(webhookURL: receiver.url.appendingPathComponent("hook"))).send(
                    Self.message), receiver.server.port
            )
        }
        #expect(failures.map(\.description) == ["notify: webhook failed: HTTP 500 from 127.0.0.1:\(port)"])
    }

    @Test("Telegram's refusal is reported with its description, the token redacted")
    func telegramRefusal() async throws {
        let answer = #"{"ok":false,"error_code":401,"description":"Unauthorized: bot\#(Self.token) is revoked"}"#
        let (failures, port) = try await NotificationReceiver.with(status: 401, answer: answer) { receiver in
            let settings = Environment.Notify(telegram: Self.telegram(receiver.url))
            return (
                await Notifier(settings: settings, environment: Self.variables).send(Self.message), receiver.server.port
            )
        }
        #expect(
            failures.map(\.description) == [
                "notify: telegram failed: HTTP 401 from 127.0.0.1:\(port): Unauthorized: bot<token> is revoked"
            ])
    }

    @Test("a refused connection is reported for each channel, without the token")
    func refusedConnection() async throws {
        let url = try await NotificationReceiver.refusingURL()
        let settings = Environment.Notify(webhookURL: url.appendingPathComponent("hook"), telegram: Self.telegram(url))
        let failures = await Notifier(settings: settings, environment: Self.variables).send(Self.message)
        let server = "127.0.0.1:\(try #require(url.port))"
        #expect(
            failures.map(\.description) == [
                "notify: webhook failed: cannot connect to \(server)",
                "notify: telegram failed: cannot connect to \(server)",
            ])
        #expect(!failures.map(\.description).joined().contains(Self.token))
    }

    @Test("a receiver slower than timeout_seconds is reported as a timeout, in time")
    func timeout() async throws {
        let clock = ContinuousClock()
        let (failures, elapsed, port) = try await NotificationReceiver.with(delay: .seconds(5)) { receiver in
            let settings = Environment.Notify(
                webhookURL: receiver.url, telegram: Self.telegram(receiver.url), timeout: .seconds(1))
            let start = clock.now
            let failures = await Notifier(settings: settings, environment: Self.variables).send(Self.message)
            return (failures, clock.now - start, receiver.server.port)
        }
        #expect(
            failures.map(\.description) == [
                "notify: webhook failed: no answer from 127.0.0.1:\(port) within 1 s",
                "notify: telegram failed: no answer from 127.0.0.1:\(port) within 1 s",
            ])
        #expect(elapsed >= .seconds(1) && elapsed < .seconds(3), "took \(elapsed)")
    }

    @Test("an unset token variable fails Telegram alone, before any request, and names the variable")
    func unsetToken() async throws {
        let (failures, paths) = try await NotificationReceiver.with { receiver in
            let settings = Environment.Notify(
                webhookURL: receiver.url.appendingPathComponent("hook"), telegram: Self.telegram(receiver.url))
            return (
                await Notifier(settings: settings, environment: [:]).send(Self.message),
                await receiver.requests.map(\.path)
            )
        }
        #expect(paths == ["/hook"])
        #expect(
            failures.map(\.description) == [
                "notify: telegram failed: cannot read secret env:DEPLOYCTL_TELEGRAM_TOKEN: the environment variable DEPLOYCTL_TELEGRAM_TOKEN is not set; export it in the shell that runs deployctl"
            ])
    }

    @Test("a value that is no bot token is refused without being repeated")
    func malformedToken() async throws {
        let notToken = "not a token " + UUID().uuidString
        let (failures, requests) = try await NotificationReceiver.with { receiver in
            let settings = Environment.Notify(telegram: Self.telegram(receiver.url))
            return (
                await Notifier(settings: settings, environment: ["DEPLOYCTL_TELEGRAM_TOKEN": notToken]).send(
                    Self.message), await receiver.requests
            )
        }
        #expect(requests.isEmpty)
        #expect(failures.map(\.channel) == [.telegram])
        #expect(failures.first?.reason.contains("env:DEPLOYCTL_TELEGRAM_TOKEN") == true)
        #expect(failures.first?.reason.contains(notToken) == false)
    }
}
