import ArgumentParser
import Console
import Deployer

struct EnvCheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract:
            "Connect to every host of an environment and report OS, systemd, disk, ClickHouse and the pipeline's units.",
        discussion: """
            ClickHouse is checked on the environment's ClickHouse host ([clickhouse] host), through the SSH tunnel. \
            Exit status: 0 all ok or warnings only, 1 a check failed, 2 invalid environment, 3 a host unreachable.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: EnvironmentOptions

    @Option(help: "Folder of the pipeline's unit files, whose state on each host is reported.")
    var units = "systemd"

    @Flag(name: .shortAndLong, help: "Also list the ssh_config keywords that applied but that deployctl ignores.")
    var verbose = false

    func run() async throws {
        try await global.report("env check") {
            let units = try PipelineUnits.load(from: self.units)
            return try await global.withSession(target) { environment, session in
                EnvCheckOutput(
                    check: await EnvironmentCheck(environment: environment, units: units).run(in: session),
                    ssh: ConnectionSettings(environment, hosts: session.links.map(\.host), verbose: verbose))
            }
        }
    }
}

/// `env check`'s report, preceded by where each host's connection settings came from; in JSON the
/// check's fields with `ssh` beside them.
struct EnvCheckOutput: CommandOutput {
    let check: EnvironmentCheckReport
    let ssh: ConnectionSettings

    var verdict: Verdict { check.verdict }
    var failureSummary: String { check.failureSummary }

    func render(_ terminal: Terminal) -> String {
        (ssh.summaryLines(terminal) + ssh.sshConfigLines(terminal) + [check.render(terminal)]).joined(separator: "\n")
    }

    enum CodingKeys: String, CodingKey { case ssh }

    func encode(to encoder: any Encoder) throws {
        try check.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(ssh, forKey: .ssh)
    }
}
