extension NotificationMessage {
    /// Where one host ended up after a deploy or rollback.
    public struct HostRelease: Sendable, Equatable {
        /// The host's name in the environment file.
        public let host: String
        /// The release `current` points at, or `nil` when none.
        public let release: String?

        /// Creates a host's state.
        public init(host: String, release: String?) {
            self.host = host
            self.release = release
        }
    }

    /// The automatic rollback a failed deploy set off.
    public struct AutomaticRollback: Sendable, Equatable {
        /// The release it went back to.
        public let to: String
        /// Why it failed too, or `nil` when it worked.
        public let failure: String?

        /// Creates the rollback's outcome.
        public init(to: String, failure: String?) {
            self.to = to
            self.failure = failure
        }
    }

    /// The blocking checks named in a summary; the rest are counted.
    static let listedBlockers = 5

    /// Failure texts longer than this are cut, so that the report path and the hosts still fit.
    static let maximumDetailLength = 1000

    /// The result of `deployctl verify`, such as
    /// `museshow: проверка E2E пройдена, релиз 1a2b… (32/32 проверок). Отчёт: /path/TASK-QT-API-E2E-REPORT.md`.
    ///
    /// - Parameters:
    ///   - blocking: The ids of the blocking checks that failed, in report order; an id failing on
    ///     several hosts is counted each time and listed once. Empty on a failure means the hosts
    ///     do not all run one release.
    ///   - reportPath: Where `TASK-QT-API-E2E-REPORT.md` was written.
    public static func verification(
        environment: String, release: String?, ok: Bool, verdict: String, checksPassed: Int, checksTotal: Int,
        blocking: [String], reportPath: String?
    ) -> NotificationMessage {
        let counts = "(\(checksPassed)/\(checksTotal) проверок)"
        var summary = "\(environment): проверка E2E "
        if ok {
            summary += "пройдена, релиз \(release ?? "—") \(counts)."
        } else {
            summary += "не пройдена, релиз \(release ?? "не найден") \(counts): "
            if blocking.isEmpty {
                summary += "хосты работают не на одном релизе."
            } else {
                summary +=
                    RussianPlural.count(
                        blocking.count, "блокирующая проблема", "блокирующие проблемы", "блокирующих проблем")
                    + ": " + listing(blocking) + "."
            }
        }
        if let reportPath {
            summary += " Отчёт: \(reportPath)"
        }
        return NotificationMessage(
            environment: environment, command: .verify, ok: ok, verdict: verdict, release: release, summary: summary,
            report: reportPath)
    }

    /// The result of `deployctl deploy` or `deployctl rollback`, such as `client-prod: релиз 1a2b… развёрнут.`
    /// or `client-prod: развёртывание релиза 1a2b… не удалось: <failure>; автоматический откат на релиз 9f8e… выполнен. Хосты: …`.
    ///
    /// - Parameters:
    ///   - command: ``Command/deploy`` or ``Command/rollback``.
    ///   - release: The release deployed, or rolled back to.
    ///   - unchanged: The release already ran everywhere and nothing was done.
    ///   - failure: Why the command failed, or `nil` when it succeeded.
    ///   - hosts: Where each host ended up; named only on a failure.
    public static func deployment(
        _ command: Command, environment: String, release: String, ok: Bool, verdict: String, unchanged: Bool,
        failure: String?,
        rollback: AutomaticRollback?, hosts: [HostRelease]
    ) -> NotificationMessage {
        var summary = "\(environment): "
        if let failure {
            summary +=
                (command == .rollback
                    ? "откат на релиз \(release) не удался: " : "развёртывание релиза \(release) не удалось: ")
                + detail(failure)
            if let rollback {
                summary +=
                    "; автоматический откат на релиз \(rollback.to) "
                    + (rollback.failure.map { "тоже не удался: " + detail($0) } ?? "выполнен")
            }
            let states = hosts.map { "\($0.host) — " + ($0.release.map { "релиз \($0)" } ?? "без релиза") }
            summary += states.isEmpty ? "." : ". Хосты: " + states.joined(separator: ", ") + "."
        } else if unchanged {
            summary += "релиз \(release) уже работает, ничего не изменилось."
        } else {
            summary += command == .rollback ? "откат на релиз \(release) выполнен." : "релиз \(release) развёрнут."
        }
        return NotificationMessage(
            environment: environment, command: command, ok: ok, verdict: verdict, release: release, summary: summary,
            report: nil)
    }

    /// The first few distinct ids, and how many more there are.
    private static func listing(_ ids: [String]) -> String {
        var distinct: [String] = []
        for id in ids where !distinct.contains(id) {
            distinct.append(id)
        }
        let shown = distinct.prefix(listedBlockers).joined(separator: ", ")
        let hidden = distinct.count - listedBlockers
        return hidden > 0 ? "\(shown) и ещё \(hidden)" : shown
    }

    /// A failure text on one line, cut to ``maximumDetailLength``.
    private static func detail(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return line.count > maximumDetailLength ? line.prefix(maximumDetailLength) + "…" : line
    }
}
