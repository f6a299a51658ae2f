import Console
import Deployer
import Environments
import Foundation
import Notify
import Verify

/// Announces a command's result on the environment's `[notify]` channels.
///
/// A failed notification is one line on standard error in text and JSON mode alike (standard
/// output stays the command's one document) and never changes the command's result or exit status.
func announce(_ message: @autoclosure () -> NotificationMessage, for environment: Environment) async {
    guard let settings = environment.notify else { return }
    for failure in await Notifier(settings: settings).send(message()) {
        FileHandle.standardError.write(Data((failure.description + "\n").utf8))
    }
}

extension NotificationMessage {
    /// The verdict of a verification whose Markdown report was written to `reportPath`.
    init(verification report: VerificationReport, reportPath: String) {
        self = .verification(
            environment: report.environment, release: report.release, ok: report.passed, verdict: report.verdict.name,
            checksPassed: report.checks.filter { $0.outcome == .pass }.count, checksTotal: report.checks.count,
            blocking: report.blocking.map(\.id), reportPath: reportPath)
    }

    /// The result of a deploy or rollback that ran.
    init(deployment report: DeployReport) {
        self = .deployment(
            report.plan.command == "rollback" ? .rollback : .deploy, environment: report.plan.environment,
            release: report.plan.release,
            ok: report.failure == nil, verdict: report.verdict.name, unchanged: report.plan.unchanged,
            failure: report.failure,
            rollback: report.rollback.map { AutomaticRollback(to: $0.to, failure: $0.failure) },
            hosts: report.hosts.map { HostRelease(host: $0.host, release: $0.release) })
    }
}
