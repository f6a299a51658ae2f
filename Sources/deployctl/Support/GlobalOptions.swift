import ArgumentParser
import Console
import Deployer
import Environments
import Foundation

/// Options every command shares; they may also stand before the subcommand (see `CommandTree`).
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .customLong("env-dir"),
        help: "Folder of environment files (default: $DEPLOYCTL_ENV_DIR or ./environments).")
    var environmentDirectory: String?

    @Flag(help: "Print one machine-readable JSON document instead of text.")
    var json = false

    @Option(help: "Colour: auto (only on a terminal), always, never.")
    var color: ColorMode = .auto

    /// The flag and the options above, as `CommandTree` recognises them before a subcommand.
    static let jsonFlag = "--json"
    static let valueOptions = ["--env-dir", "--color"]

    var catalog: EnvironmentCatalog {
        let directory =
            environmentDirectory ?? ProcessInfo.processInfo.environment["DEPLOYCTL_ENV_DIR"] ?? "environments"
        return EnvironmentCatalog(directory: directory)
    }

    var terminal: Terminal { Terminal(mode: color) }

    /// Loads one environment.
    ///
    /// - Throws: `CommandFailure` (invalid configuration, 2) with every problem of the file.
    func environment(_ name: String) throws(CommandFailure) -> Environment {
        do {
            return try catalog.load(name: name)
        } catch {
            throw CommandFailure(
                .invalidConfiguration, error.code == .notFound ? "environment_not_found" : "environment",
                error.description)
        }
    }
}

extension ColorMode: ExpressibleByArgument {}

/// The environment a command acts on, and optionally one of its hosts.
struct EnvironmentOptions: ParsableArguments {
    @Argument(help: "The environment (a file in the environments folder, without .toml).")
    var environment: String

    @Option(help: "Only this host of the environment.")
    var host: String?

    /// The chosen hosts of `environment`.
    ///
    /// - Throws: `CommandFailure` (usage) naming the environment's hosts when `--host` names none of them.
    func hosts(of environment: Environment) throws(CommandFailure) -> [Environment.Host] {
        guard let host else { return environment.hosts }
        guard let chosen = environment.hosts.first(where: { $0.name == host }) else {
            let known = environment.hosts.map(\.name).joined(separator: ", ")
            throw CommandFailure(
                .usage, "host", "environment \(environment.name) has no host \(host) (its hosts: \(known))")
        }
        return [chosen]
    }
}

/// An environment argument for commands that act on the environment as a whole (`migrate`, `lock`).
struct EnvironmentArgument: ParsableArguments {
    @Argument(help: "The environment (a file in the environments folder, without .toml).")
    var environment: String
}
