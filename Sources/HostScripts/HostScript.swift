import Console
import Foundation
import SSH

/// Runs host scripts and single commands on one host, every argument quoted as one shell word:
/// deployctl gathers what it needs from a host in as few round trips as it can, one script each.
public struct HostScript: Sendable {
    public let host: any RemoteHost
    /// How long the script may run.
    public var timeout: Duration

    public init(host: any RemoteHost, timeout: Duration = .seconds(120)) {
        self.host = host
        self.timeout = timeout
    }

    /// Runs `script` with `arguments`; a non-zero exit is the script's to interpret, so it is returned.
    public func run(_ script: HostScriptSource, _ arguments: [String] = []) async throws(CommandFailure)
        -> CommandResult
    {
        try await execute(script.commandLine(arguments))
    }

    /// Runs `script` and requires exit status 0; `step` names it in the failure.
    @discardableResult
    public func require(_ script: HostScriptSource, _ arguments: [String] = [], step: String)
        async throws(CommandFailure) -> CommandResult
    {
        try Self.succeeded(try await run(script, arguments), on: host, step: step)
    }

    /// Runs one command, `program` and `arguments` each one quoted word (`systemctl restart <unit>`).
    public func run(command program: String, _ arguments: String...) async throws(CommandFailure) -> CommandResult {
        try await execute(([program] + arguments).map(ShellQuote.quote).joined(separator: " "))
    }

    /// Runs one command and requires exit status 0; `step` names it in the failure.
    @discardableResult
    public func require(command program: String, _ arguments: String..., step: String) async throws(CommandFailure)
        -> CommandResult
    {
        let line = ([program] + arguments).map(ShellQuote.quote).joined(separator: " ")
        return try Self.succeeded(try await execute(line), on: host, step: step)
    }

    private func execute(_ commandLine: String) async throws(CommandFailure) -> CommandResult {
        do throws(SSHError) {
            return try await host.run(commandLine, options: .init(timeout: timeout))
        } catch {
            throw CommandFailure(.unreachable, "ssh", "\(host.label): \(error)")
        }
    }

    private static func succeeded(_ result: CommandResult, on host: any RemoteHost, step: String) throws(CommandFailure)
        -> CommandResult
    {
        guard result.succeeded else {
            let output = (result.stderrText + result.stdoutText).trimmingCharacters(in: .whitespacesAndNewlines)
            throw CommandFailure(
                .checkFailed, "host",
                "\(host.label): \(step) failed (\(result.outcome))\(output.isEmpty ? "" : ": " + output)")
        }
        return result
    }
}
