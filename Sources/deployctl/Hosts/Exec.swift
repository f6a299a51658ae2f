import ArgumentParser
import Console
import Deployer
import Environments
import Foundation
import SSH

struct Exec: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a command on every host of an environment (or one, with --host).",
        discussion: """
            Output streams as it arrives, each line prefixed with its host when there are several. \
            The exit status is the worst of the hosts' (255 when a host could not run the command).
            Standard input, unless it is a terminal or -n is given, is read to its end (at most 64 MiB) \
            and sent to the command on every host, as ssh does.
            Examples: deployctl exec museshow -- systemctl list-timers qtickets_api.timer
                      deployctl exec museshow -- 'cat > /tmp/orders.json' < orders.json
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: EnvironmentOptions

    @Option(help: "Seconds before the command is abandoned (default: the environment's command_timeout_seconds).")
    var timeout: Int?

    @Flag(name: .customShort("n"), help: "Do not read standard input; the command reads end of file (as ssh -n).")
    var noStandardInput = false

    @Argument(parsing: .postTerminator, help: "The command, after --.")
    var command: [String] = []

    func validate() throws {
        guard !command.isEmpty else {
            throw ValidationError("give the command after --, e.g. deployctl exec museshow -- uptime")
        }
        if let timeout, timeout <= 0 { throw ValidationError("--timeout must be a positive number of seconds") }
    }

    func run() async throws {
        try await global.report("exec", textToStandardError: true) {
            let environment = try global.environment(target.environment)
            let hosts = try target.hosts(of: environment)
            let line = command.count == 1 ? command[0] : command.map(ShellQuote.quote).joined(separator: " ")
            let printer = LinePrinter(
                prefixHosts: hosts.count > 1, width: hosts.map(\.name.count).max() ?? 0, terminal: global.terminal)
            let input = noStandardInput || isatty(STDIN_FILENO) == 1 ? nil : try StandardInput.read()
            let session = await global.session(environment, hosts: hosts)
            defer { session.close() }
            return await FleetCommand(command: line, timeout: timeout.map { .seconds($0) }, stdin: input)
                .run(in: session, onLine: global.json ? nil : printer.emit)
        }
    }
}

/// deployctl's own standard input, for commands that pass it on.
enum StandardInput {
    /// The most `read()` takes: what is sent to every host is held in memory until the commands end.
    static let limit = 64 << 20

    /// Everything on standard input up to end of file, or nil when it is empty.
    static func read() throws -> Data? {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = Foundation.read(STDIN_FILENO, &buffer, buffer.count)
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw ValidationError("cannot read standard input: \(String(cString: strerror(errno)))")
            }
            data.append(contentsOf: buffer[..<count])
            guard data.count <= limit else {
                throw ValidationError(
                    "standard input is larger than 64 MiB; copy large files with scp or rsync, or pass -n to send none")
            }
        }
        return data.isEmpty ? nil : data
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
