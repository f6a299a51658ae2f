import ArgumentParser
import Console
import Deployer
import Environments
import Foundation
import Notify
import Verify

#if canImport(Glibc)
    import Glibc
#endif

struct RollbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract:
            "Go back to the previous release (or --to one) that was live here and passed its checks: units, current, and the schema.",
        discussion: """
            A rollback is a deploy: planned (--dry-run), leased, audited. The migrations newer than the target release's are \
            undone with the down files of the release being left; a down that would delete data is refused unless \
            --allow-data-loss --reason. On a terminal it shows the plan and asks first (--yes does not ask; without a \
            terminal nothing is asked). Afterwards the automation and monitoring checks of `verify` run on the hosts and \
            the output gives the state now. Exit status as for deploy; 1 also when those checks fail.
            """)
    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: EnvironmentOptions
    @OptionGroup var options: ReleaseOptions
    @Option(help: "The release to go back to, or the start of its id (default: the previous one).") var to: String?
    @Flag(help: "Print the plan and change nothing.") var dryRun = false
    @Flag(help: "Run downs that delete data (with --reason).") var allowDataLoss = false
    @Option(help: "Why data may be lost (with --allow-data-loss); recorded in the audit log.") var reason: String?
    @Flag(name: .shortAndLong, help: "Do not ask for confirmation on a terminal.") var yes = false
    @OptionGroup var lock: MigrationLockWaitOptions

    func validate() throws {
        _ = try releasePrefix()
        if allowDataLoss && (reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--allow-data-loss needs --reason \"…\": it is recorded with the rollback")
        }
    }

    /// `--to`, checked: the start of a release id.
    private func releasePrefix() throws -> ReleaseID.Prefix? {
        do throws(InvalidPlanValue) {
            return try to.map(ReleaseID.Prefix.init(_:))
        } catch {
            throw ValidationError("--to: \(error.description)")
        }
    }

    func run() async throws {
        let (to, dryRun, allowDataLoss, reason, lockWait) = (
            try releasePrefix(), dryRun, allowDataLoss, reason, lock.wait
        )
        let ask = !yes && !global.json && isatty(STDIN_FILENO) == 1
        try await global.report("rollback") {
            return try await global.withSession(target) { environment, session in
                var prepared = try await Rollback(
                    environment: environment, store: ReleaseStore.of(checkout: options.checkoutPath),
                    actor: Workstation.actor
                )
                .prepare(in: session, to: to, allowDataLoss: allowDataLoss)
                defer { prepared.cleanUp() }
                prepared.deployment.migrationLockWait = lockWait
                if dryRun {
                    let plan = try await prepared.deployment.plan(in: session, dryRun: true)
                    return RollbackOutput(plan: plan, report: nil, dataLoss: prepared.dataLoss, checks: nil)
                }
                // The lease before the plan, as deploy does: the plan is made on hosts no other run
                // changes, and a host that moved since the target was chosen refuses the rollback.
                let lease = try await prepared.deployment.lease(in: session)
                let plan: DeployPlan
                do {
                    plan = try await prepared.deployment.plan(in: session, dryRun: false)
                    let read = environment.clickhouseHost.name
                    if let moved = plan.hosts.first(where: { $0.host == read && $0.from?.value != prepared.from }) {
                        throw CommandFailure(
                            .checkFailed, "rollback",
                            "\(moved.host) now runs \(moved.from?.value ?? "no release"), not \(prepared.from) as it did when the rollback was prepared: another run changed it; nothing was rolled back, look at `deployctl status \(environment.name)` and run it again"
                        )
                    }
                    if ask {
                        print(plan.render(global.terminal))
                        FileHandle.standardOutput.write(
                            Data("Roll \(environment.name) back from \(prepared.from) to \(prepared.to)? [y/N] ".utf8))
                        guard (readLine() ?? "").lowercased().hasPrefix("y") else {
                            throw CommandFailure(.usage, "cancelled", "rollback cancelled: nothing changed")
                        }
                    }
                    if allowDataLoss, let reason, !prepared.dataLoss.isEmpty {
                        try await prepared.deployment.recordDataLoss(
                            in: session, losses: prepared.dataLoss, reason: reason)
                    }
                } catch {
                    await lease.release()
                    throw error
                }
                let report = await global.withProgress {
                    await prepared.deployment.run(plan, in: session, under: lease)
                }
                await announce(NotificationMessage(deployment: report), for: environment)
                // The state now: the automation and monitoring areas of verify (no verdict is recorded).
                var checks: [CheckResult]?
                if report.failure == nil {
                    checks = try? await Verification(
                        environment: environment, store: ReleaseStore.of(checkout: options.checkoutPath),
                        actor: Workstation.actor,
                        deployctlVersion: BuildInfo.versionLine
                    ).run(in: session, only: [.automation, .monitoring]).checks
                }
                return RollbackOutput(plan: plan, report: report, dataLoss: prepared.dataLoss, checks: checks)
            }
        }
    }
}

/// A rollback's plan, and its report once it ran.
struct RollbackOutput: CommandOutput {
    let plan: DeployPlan
    let report: DeployReport?
    let dataLoss: [String]
    /// The automation and monitoring checks after a rollback that ran.
    let checks: [CheckResult]?

    var failing: [CheckResult] { (checks ?? []).filter(\.blocks) }
    var verdict: Verdict {
        report.map { $0.verdict == .success && !failing.isEmpty ? .checkFailed : $0.verdict } ?? .success
    }
    var failureSummary: String {
        report?.failure
            ?? (failing.isEmpty
                ? "" : "after the rollback: " + failing.map { "\($0.id): \($0.found.english)" }.joined(separator: "; "))
    }

    func render(_ terminal: Terminal) -> String {
        let losses = dataLoss.isEmpty ? "" : "\n  data the downs delete (allowed): " + dataLoss.joined(separator: "; ")
        var text = (report?.render(terminal) ?? plan.render(terminal)) + losses
        if let checks {
            let passed = checks.filter { $0.outcome == .pass }.count
            text += "\nnow: automation and monitoring checks \(passed)/\(checks.count) passed"
            for check in checks where check.outcome != .pass && check.outcome != .skip {
                text +=
                    "\n  \(terminal.status(check.blocks ? .fail : .warn)) \(check.id)  \(check.found.english.replacingOccurrences(of: "\n", with: " "))"
            }
        }
        return text
    }
}
