import ArgumentParser
import Console
import Deployer
import Environments
import Foundation
import Notify

struct Deploy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Deploy a release to every host of an environment: plan, lease, upload, verify on the host, migrate, units, switch, check.",
        discussion: """
            --dry-run prints the exact plan (uploads, migrations with their statements, a diff of every unit that changes, \
            restarts, steps) and changes nothing. Exit status: 0 deployed (or nothing to do), 1 a step or check failed (the \
            output says which release each host runs), 2 invalid configuration, 3 a host unreachable, 4 another deploy holds \
            the lock. A failure after the switch (a unit that does not start, a failed loader run or healthcheck) rolls back to \
            the previous release by itself: its units, current, and this deploy's migrations when their downs delete no data \
            ([deploy] rollback_migrations); the deploy still exits 1 and says so. After the switch the host's watchdog puts the \
            previous release back by itself unless deployctl confirms within [deploy] watchdog_seconds (it renews the wait while \
            it runs). An environment with a [gate] takes only a release whose newest verification on the gate's staging \
            environment passed (see `gate status`); --force-gate --reason overrides it, as an audit entry of its own.
            """)
    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: EnvironmentOptions
    @OptionGroup var options: ReleaseOptions
    @Option(help: "The release id (or a prefix of it); default: the one the last `release build` made or found.")
    var release: String?
    @Flag(help: "Print the plan and change nothing.") var dryRun = false
    @Option(help: "Deploy this many hosts at once (default 1: one after another, stopping at the first failure).")
    var parallel = 1
    @Flag(help: "Deploy although the gate is closed; needs --reason, and is audited.") var forceGate = false
    @Option(help: "Why the gate is overridden (with --force-gate).") var reason: String?
    @OptionGroup var lock: MigrationLockWaitOptions

    func validate() throws {
        guard parallel >= 1 else { throw ValidationError("--parallel takes a number of hosts, 1 or more") }
        if forceGate && (reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--force-gate needs --reason \"…\": the override is recorded with it")
        }
    }

    func run() async throws {
        let dryRun = dryRun
        let parallel = parallel
        let chosen = release
        if dryRun {
            return try await global.report("deploy") {
                let (deployment, session) = try await open(chosen)
                defer { session.close() }
                return try await deployment.plan(in: session, dryRun: true, parallel: parallel)
            }
        }
        try await global.report("deploy") {
            let (deployment, session) = try await open(chosen)
            defer { session.close() }
            // The lease first: the gate and the plan are decided on hosts no other run changes. A
            // deploy that changes nothing needs none, so a held lock refuses only a real change.
            var lease: DeployLease?
            var refusal: CommandFailure?
            do throws(CommandFailure) {
                lease = try await deployment.lease(in: session)
            } catch {
                refusal = error
            }
            let plan: DeployPlan
            do {
                // Without the lease only a deploy that changes nothing goes on: any other is refused
                // as locked before the gate is asked, which would decide on hosts another run changes.
                if let refusal, try await !deployment.plan(in: session, dryRun: true, parallel: parallel).unchanged {
                    throw refusal
                }
                if deployment.environment.gate != nil {
                    let decision = try await gateDecision(
                        global, deployment.environment, release: deployment.release.id,
                        sums: VerificationLog.checksums(ofReleaseAt: deployment.release.path))
                    if !decision.open {
                        guard forceGate, let reason else {
                            throw CommandFailure(.checkFailed, "gate", "the gate is closed: \(decision.reason)")
                        }
                        try await deployment.recordGateOverride(
                            in: session, reason: reason, closedBecause: decision.reason)
                    }
                }
                plan = try await deployment.plan(in: session, dryRun: false, parallel: parallel)
                if let refusal, !plan.unchanged { throw refusal }
            } catch {
                await lease?.release()
                throw error
            }
            let report = await global.withProgress { await deployment.run(plan, in: session, under: lease) }
            await announce(NotificationMessage(deployment: report), for: deployment.environment)
            return report
        }
    }

    private func open(_ release: String?) async throws -> (Deployment, EnvironmentSession) {
        let environment = try global.environment(target.environment)
        let summary = try ReleaseStore.of(checkout: options.checkoutPath).release(release)
        let session = await global.session(environment, hosts: try target.hosts(of: environment))
        var deployment = Deployment(environment: environment, release: summary, actor: Workstation.actor)
        deployment.rollbackStore = ReleaseStore.of(checkout: options.checkoutPath)
        deployment.migrationLockWait = lock.wait
        return (deployment, session)
    }
}
