import ArgumentParser
import Deployer
import Environments
import Foundation
import SSH

@main
struct Deployctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deployctl",
        abstract: "Deploys the QTickets → ClickHouse pipeline to Linux hosts over SSH, verifies it, and gates production on staging.",
        discussion: """
            Environments are TOML files in the environments folder (--env-dir), one per environment.

            Exit status: 0 success; 1 a check or a remote command failed; 2 an environment file is invalid or \
            unknown; 3 a host could not be reached or authenticated; 64 wrong usage. `exec` passes on the worst \
            remote exit status (255 when a host could not run the command).
            """,
        subcommands: [Env.self, Exec.self, Trust.self, Migrate.self, Lock.self]
    )

    static func main() async {
        await main(GlobalOptions.hoisted(Array(CommandLine.arguments.dropFirst())))
    }
}

/// deployctl's exit statuses, in one place.
enum ExitStatus {
    static let checkFailed: Int32 = 1
    static let invalidEnvironment: Int32 = 2
    static let unreachable: Int32 = 3
}

/// Options every command shares.
struct GlobalOptions: ParsableArguments {
    @Option(name: .customLong("env-dir"), help: "Folder of environment files (default: $DEPLOYCTL_ENV_DIR or ./environments).")
    var environmentDirectory: String?

    @Flag(help: "Print machine-readable JSON instead of text.")
    var json = false

    @Option(help: "Colour: auto (only on a terminal), always, never.")
    var color: ColorMode = .auto

    /// Lets global options stand before the subcommand (`deployctl --json env check museshow`), as
    /// users type them, by moving them behind the subcommand's name where the parser expects them.
    static func hoisted(_ arguments: [String]) -> [String] {
        var globals: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--json" || argument.hasPrefix("--env-dir=") || argument.hasPrefix("--color=") {
                globals.append(argument)
                index += 1
            } else if (argument == "--env-dir" || argument == "--color") && index + 1 < arguments.count {
                globals += [argument, arguments[index + 1]]
                index += 2
            } else {
                break
            }
        }
        let commandWords: Set<String> = [
            "env", "list", "check", "exec", "trust", "migrate", "status", "plan", "up", "down", "lint", "validate", "baseline", "repair", "lock", "break",
        ]
        var path: [String] = []
        while index < arguments.count, commandWords.contains(arguments[index]) {
            path.append(arguments[index])
            index += 1
        }
        return path + globals + arguments[index...]
    }

    var catalog: EnvironmentCatalog {
        let directory = environmentDirectory ?? ProcessInfo.processInfo.environment["DEPLOYCTL_ENV_DIR"] ?? "environments"
        return EnvironmentCatalog(directory: directory)
    }

    var terminal: Terminal { Terminal(mode: color) }

    /// Loads one environment, or prints why it cannot be loaded and exits 2.
    func environment(_ name: String) throws -> Environment {
        do {
            return try catalog.load(name: name)
        } catch {
            Terminal.printError(error.description)
            throw ExitCode(ExitStatus.invalidEnvironment)
        }
    }

    /// The hosts of `environment`, narrowed to `name` when given.
    func hosts(of environment: Environment, named name: String?) throws -> [Environment.Host] {
        guard let name else { return environment.hosts }
        guard let host = environment.hosts.first(where: { $0.name == name }) else {
            let known = environment.hosts.map(\.name).joined(separator: ", ")
            throw ValidationError("environment \(environment.name) has no host \(name) (its hosts: \(known))")
        }
        return [host]
    }

    func printJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}

enum ColorMode: String, ExpressibleByArgument, CaseIterable {
    case auto, always, never
}
