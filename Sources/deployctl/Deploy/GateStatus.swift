import ArgumentParser
import Console
import Deployer
import Environments

extension Deployctl {
    struct GateCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gate", abstract: "Show what a production environment's gate sees for a release.",
            subcommands: [GateStatus.self])
    }
}

struct GateStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Whether the gate would let a release (default: the last built) into the environment, and why."
    )
    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: EnvironmentArgument
    @OptionGroup var options: ReleaseOptions
    @Option(help: "The release id (or a prefix).") var release: String?

    func run() async throws {
        try await global.report("gate status") {
            let environment = try global.environment(target.environment)
            let summary = try ReleaseStore.of(checkout: options.checkoutPath).release(release)
            return try await gateDecision(
                global, environment, release: summary.id,
                sums: VerificationLog.checksums(ofReleaseAt: summary.path))
        }
    }
}

/// The gate's decision for `release` into `environment`.
///
/// - Throws: `CommandFailure` when the environment has no gate.
func gateDecision(_ global: GlobalOptions, _ environment: Environment, release: String, sums: String?) async throws
    -> Gate.Decision
{
    guard let gate = environment.gate else {
        throw CommandFailure(
            .invalidConfiguration, "gate", "\(environment.name) has no [gate]: every release may be deployed there")
    }
    let staging = try global.environment(gate.requirePassedOn)
    return await Gate(environment: environment, staging: staging, gate: gate).decide(release: release, sums: sums)
}
