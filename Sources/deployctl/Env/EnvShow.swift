import ArgumentParser
import Environments

struct EnvShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract:
            "Show how each host is reached and where each value came from (environment file, ssh_config, default).",
        discussion: """
            Reads the environment file and the OpenSSH client configuration (~/.ssh/config, /etc/ssh/ssh_config) \
            and connects to nothing. Exit status: 0, or 2 when the environment file or an ssh_config file is invalid.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: EnvironmentOptions

    @Flag(name: .shortAndLong, help: "Also list the ssh_config keywords that applied but that deployctl ignores.")
    var verbose = false

    func run() async throws {
        try await global.report("env show") {
            let environment = try global.environment(target.environment)
            return ConnectionSettings(environment, hosts: try target.hosts(of: environment), verbose: verbose)
        }
    }
}
