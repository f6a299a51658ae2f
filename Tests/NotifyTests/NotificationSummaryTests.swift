import Notify
import Testing

@Suite("The summaries say in Russian what happened, briefly")
struct NotificationSummaryTests {
    static let report = "/srv/reports/TASK-QT-API-E2E-REPORT.md"

    static func verification(ok: Bool, passed: Int = 32, blocking: [String] = []) -> NotificationMessage {
        .verification(
            environment: "museshow", release: "1a2b3c4d5e6f7a8b", ok: ok, verdict: ok ? "ok" : "check_failed",
            checksPassed: passed, checksTotal: 32,
            blocking: blocking, reportPath: report)
    }

    @Test("a passed verification names the release, the counts and the report")
    func passedVerification() {
        let message = Self.verification(ok: true)
        #expect(
            message.summary
                == "museshow: проверка E2E пройдена, релиз 1a2b3c4d5e6f7a8b (32/32 проверок). Отчёт: \(Self.report)")
        #expect(message.command == .verify)
        #expect(message.ok)
        #expect(message.report == Self.report)
        #expect(message.release == "1a2b3c4d5e6f7a8b")
    }

    @Test(
        "a failed verification counts its blockers in the right Russian form and lists them once",
        arguments: [
            (["load.run"], "1 блокирующая проблема: load.run"),
            (["load.run", "smoke.freshness", "load.run"], "3 блокирующие проблемы: load.run, smoke.freshness"),
            (["a.1", "a.2", "a.3", "a.4", "a.5"], "5 блокирующих проблем: a.1, a.2, a.3, a.4, a.5"),
            ((1...11).map { "a.\($0)" }, "11 блокирующих проблем: a.1, a.2, a.3, a.4, a.5 и ещё 6"),
            ((1...21).map { "a.\($0)" }, "21 блокирующая проблема: a.1, a.2, a.3, a.4, a.5 и ещё 16"),
            ((1...22).map { "a.\($0)" }, "22 блокирующие проблемы: a.1, a.2, a.3, a.4, a.5 и ещё 17"),
        ]
    )
    func failedVerification(blocking: [String], phrase: String) {
        let message = Self.verification(ok: false, passed: 29, blocking: blocking)
        #expect(
            message.summary
                == "museshow: проверка E2E не пройдена, релиз 1a2b3c4d5e6f7a8b (29/32 проверок): \(phrase). Отчёт: \(Self.report)"
        )
        #expect(!message.ok)
        #expect(message.verdict == "check_failed")
    }

    @Test("a failed verification without blockers says the hosts run different releases")
    func mixedReleases() {
        let message = NotificationMessage.verification(
            environment: "museshow", release: nil, ok: false, verdict: "check_failed", checksPassed: 32,
            checksTotal: 32, blocking: [], reportPath: Self.report)
        #expect(
            message.summary
                == "museshow: проверка E2E не пройдена, релиз не найден (32/32 проверок): хосты работают не на одном релизе. Отчёт: \(Self.report)"
        )
    }

    @Test("a deploy, a rollback and a deploy that changed nothing")
    func successfulDeployments() {
        func summary(_ command: NotificationMessage.Command, unchanged: Bool = false) -> String {
            NotificationMessage.deployment(
                command, environment: "client-prod", release: "1a2b3c4d5e6f7a8b", ok: true, verdict: "ok",
                unchanged: unchanged, failure: nil,
                rollback: nil, hosts: [.init(host: "prod1", release: "1a2b3c4d5e6f7a8b")]
            ).summary
        }
        #expect(summary(.deploy) == "client-prod: релиз 1a2b3c4d5e6f7a8b развёрнут.")
        #expect(summary(.rollback) == "client-prod: откат на релиз 1a2b3c4d5e6f7a8b выполнен.")
        #expect(
            summary(.deploy, unchanged: true)
                == "client-prod: релиз 1a2b3c4d5e6f7a8b уже работает, ничего не изменилось.")
    }

    @Test("a failed deploy says why, what the automatic rollback did and where each host is")
    func failedDeploy() {
        let hosts: [NotificationMessage.HostRelease] = [
            .init(host: "prod1", release: "9f8e7d6c5b4a3921"), .init(host: "prod2", release: nil),
        ]
        func message(_ rollback: NotificationMessage.AutomaticRollback?) -> NotificationMessage {
            .deployment(
                .deploy, environment: "client-prod", release: "1a2b3c4d5e6f7a8b", ok: false, verdict: "check_failed",
                unchanged: false,
                failure: "prod1: healthcheck critical\nlast run failed", rollback: rollback, hosts: hosts)
        }
        let states = "Хосты: prod1 — релиз 9f8e7d6c5b4a3921, prod2 — без релиза."
        #expect(
            message(.init(to: "9f8e7d6c5b4a3921", failure: nil)).summary
                == "client-prod: развёртывание релиза 1a2b3c4d5e6f7a8b не удалось: prod1: healthcheck critical last run failed; автоматический откат на релиз 9f8e7d6c5b4a3921 выполнен. \(states)"
        )
        #expect(
            message(.init(to: "9f8e7d6c5b4a3921", failure: "prod1: unit failed")).summary
                == "client-prod: развёртывание релиза 1a2b3c4d5e6f7a8b не удалось: prod1: healthcheck critical last run failed; автоматический откат на релиз 9f8e7d6c5b4a3921 тоже не удался: prod1: unit failed. \(states)"
        )
        #expect(
            message(nil).summary
                == "client-prod: развёртывание релиза 1a2b3c4d5e6f7a8b не удалось: prod1: healthcheck critical last run failed. \(states)"
        )
        #expect(message(nil).report == nil)
    }

    @Test("a failed rollback, and a failure text too long for a message is cut")
    func failedRollback() {
        let failure = String(repeating: "x", count: 3000)
        let message = NotificationMessage.deployment(
            .rollback, environment: "client-prod", release: "9f8e7d6c5b4a3921", ok: false, verdict: "locked",
            unchanged: false, failure: failure,
            rollback: nil, hosts: [])
        #expect(
            message.summary == "client-prod: откат на релиз 9f8e7d6c5b4a3921 не удался: "
                + String(repeating: "x", count: 1000) + "….")
        #expect(message.command == .rollback)
        #expect(message.verdict == "locked")
    }
}
