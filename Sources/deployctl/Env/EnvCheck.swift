import ArgumentParser
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

    func run() async throws {
        try await global.report("env check") {
            let units = try PipelineUnits.load(from: self.units)
            return try await global.withSession(target) { environment, session in
                await EnvironmentCheck(environment: environment, units: units).run(in: session)
            }
        }
    }
}
