import ArgumentParser
import Console
import Deployer
import Environments
import Foundation

struct Deploy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Deploy a release to every host of an environment: plan, lease, upload, verify on the host, migrate, units, switch, check.",
        discussion: """
            --dry-run prints the exact plan (uploads, migrations with their statements, a diff of every unit that changes, \
            restarts, steps) and changes nothing. A production environment takes a release only with --yes until the gate lands. \
            Exit status: 0 deployed (or nothing to do), 1 a step or check failed (the output says which release each host runs), \
            2 invalid configuration, 3 a host unreachable, 4 another deploy holds the lock.
            """)
    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: EnvironmentOptions
    @OptionGroup var options: ReleaseOptions
    @Option(help: "The release id (or a prefix of it); default: the newest release built here.") var release: String?
    @Flag(help: "Print the plan and change nothing.") var dryRun = false
    @Flag(name: .shortAndLong, help: "Deploy to a production environment.") var yes = false

    func run() async throws {
        let dryRun = dryRun
        let yes = yes
        let chosen = release
        if dryRun {
            return try await global.report("deploy") {
                let (deployment, session) = try await open(chosen)
                defer { session.close() }
                return try await deployment.plan(in: session, dryRun: true)
            }
        }
        try await global.report("deploy") {
            let (deployment, session) = try await open(chosen)
            defer { session.close() }
            if deployment.environment.role == .production && !yes {
                throw CommandFailure(
                    .checkFailed, "gate",
                    "\(deployment.environment.name) is a production environment: pass --yes to deploy \(deployment.release.id) there (the E2E gate is not in place yet)")
            }
            let plan = try await deployment.plan(in: session, dryRun: false)
            return await deployment.run(plan, in: session)
        }
    }

    private func open(_ release: String?) async throws -> (Deployment, EnvironmentSession) {
        let environment = try global.environment(target.environment)
        let summary = try ReleaseStore.of(checkout: options.checkoutPath).release(release)
        let session = await global.session(environment, hosts: try target.hosts(of: environment))
        return (Deployment(environment: environment, release: summary, actor: Workstation.actor), session)
    }
}
