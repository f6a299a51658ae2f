import ArgumentParser
import Deployer
import Environments
import Foundation
import SSH

extension Deployctl {
    struct Exec: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a command on every host of an environment (or one, with --host).",
            discussion: """
                Output streams as it arrives, each line prefixed with its host when there are several. \
                The exit status is the worst of the hosts' (255 when a host could not run the command).
                Example: deployctl exec museshow -- systemctl list-timers qtickets_api.timer
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The environment.")
        var environment: String

        @Option(help: "Only this host of the environment.")
        var host: String?

        @Option(help: "Seconds before the command is abandoned (default: the environment's command_timeout_seconds).")
        var timeout: Int?

        @Argument(parsing: .postTerminator, help: "The command, after --.")
        var command: [String] = []

        func validate() throws {
            guard !command.isEmpty else { throw ValidationError("give the command after --, e.g. deployctl exec museshow -- uptime") }
            if let timeout, timeout <= 0 { throw ValidationError("--timeout must be a positive number of seconds") }
        }

        func run() async throws {
            let environment = try global.environment(environment)
            let hosts = try global.hosts(of: environment, named: host)
            let line = command.count == 1 ? command[0] : command.map(ShellQuote.quote).joined(separator: " ")
            let fleet = FleetCommand(hosts: hosts, command: line, timeout: timeout.map { .seconds($0) })
            let terminal = global.terminal
            let width = hosts.map(\.name.count).max() ?? 0
            let prefixed = hosts.count > 1
            let printer = LinePrinter(prefixHosts: hosts.count > 1, width: width, terminal: terminal)
            let callback: (@Sendable (String, CommandStream, String) -> Void)? = global.json ? nil : printer.emit
            let outcomes = await fleet.run(onLine: callback)
            if global.json {
                try global.printJSON(outcomes)
            } else {
                for outcome in outcomes {
                    if let error = outcome.error {
                        Terminal.printError(error)
                    } else if outcome.contribution != 0 && prefixed {
                        let how = outcome.exitSignal.map { "signal \($0)" } ?? "exit \(outcome.exitStatus ?? 255)"
                        FileHandle.standardError.write(Data("\(outcome.host): \(how)\n".utf8))
                    }
                }
            }
            let status = FleetCommand.exitStatus(of: outcomes)
            if status != 0 { throw ExitCode(status) }
        }
    }
}

/// Writes whole lines from several hosts without interleaving their characters.
final class LinePrinter: @unchecked Sendable {
    private let lock = NSLock()
    private let prefixHosts: Bool
    private let width: Int
    private let terminal: Terminal

    init(prefixHosts: Bool, width: Int, terminal: Terminal) {
        self.prefixHosts = prefixHosts
        self.width = width
        self.terminal = terminal
    }

    func emit(host: String, stream: CommandStream, text: String) {
        let prefix = prefixHosts ? terminal.dim(host.padding(toLength: width, withPad: " ", startingAt: 0) + " | ") : ""
        lock.withLock {
            let handle = stream == .stdout ? FileHandle.standardOutput : FileHandle.standardError
            handle.write(Data((prefix + text + "\n").utf8))
        }
    }
}
