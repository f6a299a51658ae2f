import Environments
import Foundation
import SSH

/// `deployctl exec`: one ad-hoc command on every chosen host of an environment at once.
public struct FleetCommand: Sendable {
    /// How one host's run ended.
    public struct HostOutcome: Sendable, Codable {
        public let host: String
        /// The exit status, or nil when the command never ran or ended by a signal.
        public let exitStatus: Int32?
        public let exitSignal: String?
        /// Why the command could not run (connection, timeout), if it could not.
        public let error: String?
        public let stdout: String
        public let stderr: String
        public let seconds: Double

        /// The status this host contributes to deployctl's own exit status.
        public var contribution: Int32 {
            if error != nil { return 255 }
            if exitSignal != nil { return 255 }
            return exitStatus ?? 255
        }
    }

    public let hosts: [Environment.Host]
    public let command: String
    public let timeout: Duration?

    public init(hosts: [Environment.Host], command: String, timeout: Duration? = nil) {
        self.hosts = hosts
        self.command = command
        self.timeout = timeout
    }

    /// Runs the command everywhere; `onLine` receives output lines as they arrive, tagged with the host.
    public func run(onLine: (@Sendable (String, CommandStream, String) -> Void)? = nil) async -> [HostOutcome] {
        let connections = await HostConnector.connect(hosts)
        let outcomes = await withTaskGroup(of: HostOutcome.self) { group in
            for host in hosts {
                let attempt = connections[host.name]!
                group.addTask { await runOne(on: host, attempt: attempt, onLine: onLine) }
            }
            var outcomes: [HostOutcome] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
        for case .success(let connection) in connections.values { connection.close() }
        let order = hosts.map(\.name)
        return outcomes.sorted { order.firstIndex(of: $0.host)! < order.firstIndex(of: $1.host)! }
    }

    private func runOne(
        on host: Environment.Host, attempt: Result<SSHConnection, SSHError>, onLine: (@Sendable (String, CommandStream, String) -> Void)?
    ) async -> HostOutcome {
        let started = ContinuousClock.now
        let connection: SSHConnection
        switch attempt {
        case .failure(let error):
            return HostOutcome(host: host.name, exitStatus: nil, exitSignal: nil, error: error.description, stdout: "", stderr: "", seconds: 0)
        case .success(let open):
            connection = open
        }
        let name = host.name
        var options = SSHConnection.ExecOptions(timeout: timeout ?? host.commandTimeout)
        if let onLine {
            options.onLine = { stream, line in onLine(name, stream, line) }
        }
        do throws(SSHError) {
            let result = try await connection.run(command, options: options)
            return HostOutcome(
                host: name, exitStatus: result.exitSignal == nil ? result.exitStatus : nil, exitSignal: result.exitSignal,
                error: nil, stdout: result.stdoutText, stderr: result.stderrText, seconds: result.duration.secondsValue)
        } catch {
            return HostOutcome(
                host: name, exitStatus: nil, exitSignal: nil, error: error.description, stdout: "", stderr: "",
                seconds: started.duration(to: .now).secondsValue)
        }
    }

    /// deployctl's exit status for a set of outcomes: the worst host's.
    public static func exitStatus(of outcomes: [HostOutcome]) -> Int32 {
        outcomes.map(\.contribution).max() ?? 0
    }
}
