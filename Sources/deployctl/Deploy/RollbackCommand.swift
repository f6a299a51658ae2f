import ArgumentParser
import Console
import Deployer
import Environments
import Foundation
import Notify

struct RollbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Go back to the previous release (or --to one) that was live here and passed its checks: units, current, and the schema.",
        discussion: """
            A rollback is a deploy: planned (--dry-run), leased, audited. The migrations newer than the target release's are \
            undone with the down files of the release being left; a down that would delete data is refused unless \
            --allow-data-loss --reason. Exit status as for deploy.
            """)
    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: EnvironmentOptions
    @OptionGroup var options: ReleaseOptions
    @Option(help: "The release to go back to (default: the previous one).") var to: String?
    @Flag(help: "Print the plan and change nothing.") var dryRun = false
    @Flag(help: "Run downs that delete data (with --reason).") var allowDataLoss = false
    @Option(help: "Why data may be lost (with --allow-data-loss); recorded in the audit log.") var reason: String?

    func validate() throws {
        if allowDataLoss && (reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--allow-data-loss needs --reason \"…\": it is recorded with the rollback")
        }
    }

    func run() async throws {
        let (to, dryRun, allowDataLoss, reason) = (to, dryRun, allowDataLoss, reason)
        try await global.report("rollback") {
            return try await global.withSession(target) { environment, session in
                let prepared = try await Rollback(environment: environment, store: ReleaseStore.of(checkout: options.checkoutPath), actor: Workstation.actor)
                    .prepare(in: session, to: to, allowDataLoss: allowDataLoss)
                defer { prepared.cleanUp() }
                let plan = try await prepared.deployment.plan(in: session, dryRun: dryRun)
                if dryRun { return RollbackOutput(plan: plan, report: nil, dataLoss: prepared.dataLoss) }
                if allowDataLoss, let reason, !prepared.dataLoss.isEmpty {
                    try await prepared.deployment.recordDataLoss(in: session, losses: prepared.dataLoss, reason: reason)
                }
                let report = await prepared.deployment.run(plan, in: session)
                await announce(NotificationMessage(deployment: report), for: environment)
                return RollbackOutput(plan: plan, report: report, dataLoss: prepared.dataLoss)
            }
        }
    }
}

/// A rollback's plan, and its report once it ran.
struct RollbackOutput: CommandOutput {
    let plan: DeployPlan
    let report: DeployReport?
    let dataLoss: [String]

    var verdict: Verdict { report?.verdict ?? .success }
    var failureSummary: String { report?.failureSummary ?? "" }

    func render(_ terminal: Terminal) -> String {
        let losses = dataLoss.isEmpty ? "" : "\n  data the downs delete (allowed): " + dataLoss.joined(separator: "; ")
        return (report?.render(terminal) ?? plan.render(terminal)) + losses
    }
}
