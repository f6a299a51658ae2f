import Console
import Environments
import Foundation
import SSH

/// `deployctl exec`: one ad-hoc command on every host of a session at once.
public struct FleetCommand: Sendable {
    /// How one host's run ended.
    public struct HostOutcome: Sendable, Encodable {
        public let host: String
        /// The exit status, or nil when the command never ran or ended by a signal.
        public let exitStatus: Int32?
        public let exitSignal: String?
        /// Why the command could not run (connection, timeout), if it could not.
        public let failure: HostFailure?
        public let stdout: String
        public let stderr: String
        public let seconds: Double

        /// The status this host contributes to deployctl's own exit status.
        public var contribution: Int32 {
            if failure != nil || exitSignal != nil { return 255 }
            return exitStatus ?? 255
        }

        enum CodingKeys: String, CodingKey { case host, exitStatus, exitSignal, error, stdout, stderr, seconds }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(host, forKey: .host)
            try container.encode(exitStatus, forKey: .exitStatus)
            try container.encode(exitSignal, forKey: .exitSignal)
            try container.encode(failure, forKey: .error)
            try container.encode(stdout, forKey: .stdout)
            try container.encode(stderr, forKey: .stderr)
            try container.encode(seconds, forKey: .seconds)
        }
    }

    /// Every host's outcome, in host order.
    public struct Report: CommandOutput {
        public let hosts: [HostOutcome]

        /// The worst host's status, passed on as deployctl's own.
        public var verdict: Verdict { .remote(hosts.map(\.contribution).max() ?? 0) }

        public var failureSummary: String {
            let failed = hosts.filter { $0.contribution != 0 }.map(\.host)
            return "the command failed on \(failed.joined(separator: ", "))"
        }

        /// The output itself was streamed as it came; what is left are the hosts that failed, for standard error.
        public func render(_ terminal: Terminal) -> String {
            let prefixed = hosts.count > 1
            return hosts.compactMap { outcome -> String? in
                if let failure = outcome.failure { return "error: \(failure)" }
                guard outcome.contribution != 0, prefixed else { return nil }
                return "\(outcome.host): "
                    + (outcome.exitSignal.map { "signal \($0)" } ?? "exit \(outcome.exitStatus ?? 255)")
            }.joined(separator: "\n")
        }
    }

    public let command: String
    public let timeout: Duration?
    /// Sent to the command's standard input on every host, then end of file; nil sends end of file at once.
    public let stdin: Data?

    public init(command: String, timeout: Duration? = nil, stdin: Data? = nil) {
        self.command = command
        self.timeout = timeout
        self.stdin = stdin
    }

    /// Runs the command on every host of `session`; `onLine` receives output lines as they arrive, tagged with the host.
    public func run(in session: EnvironmentSession, onLine: (@Sendable (String, CommandStream, String) -> Void)? = nil)
        async -> Report
    {
        let command = command
        let timeout = timeout
        let stdin = stdin
        let outcomes = await session.eachHost(
            { host, connection in
                let started = ContinuousClock.now
                var options = SSHConnection.ExecOptions(timeout: timeout ?? host.commandTimeout, stdin: stdin)
                if let onLine {
                    options.onLine = { stream, line in onLine(host.name, stream, line) }
                }
                do throws(SSHError) {
                    let result = try await connection.run(command, options: options)
                    return HostOutcome(
                        host: host.name, exitStatus: result.exitSignal == nil ? result.exitStatus : nil,
                        exitSignal: result.exitSignal,
                        failure: nil, stdout: result.stdoutText, stderr: result.stderrText,
                        seconds: result.duration.secondsValue)
                } catch {
                    return HostOutcome(
                        host: host.name, exitStatus: nil, exitSignal: nil,
                        failure: HostFailure(host: host.name, error: error), stdout: "",
                        stderr: "", seconds: started.duration(to: .now).secondsValue)
                }
            },
            unreachable: { host, failure in
                HostOutcome(
                    host: host.name, exitStatus: nil, exitSignal: nil, failure: failure, stdout: "", stderr: "",
                    seconds: 0)
            })
        return Report(hosts: outcomes)
    }
}
