import Console
import Foundation
import SSH

/// Runs one shell script on a host and reads its `key=value` answer: deployctl gathers what it
/// needs from a host in as few round trips as it can, one script each.
struct HostScript: Sendable {
    let host: any RemoteHost
    /// How long the script may run.
    var timeout: Duration = .seconds(120)

    /// Runs `script` (with `set -eu` in front); a non-zero exit is the script's to interpret, so it is returned.
    func run(_ script: String) async throws(CommandFailure) -> CommandResult {
        do throws(SSHError) {
            return try await host.run("set -eu\n" + script, options: .init(timeout: timeout))
        } catch {
            throw CommandFailure(.unreachable, "ssh", "\(host.label): \(error)")
        }
    }

    /// Runs `script` and requires exit status 0; `step` names it in the failure.
    @discardableResult
    func require(_ script: String, step: String) async throws(CommandFailure) -> CommandResult {
        let result = try await run(script)
        guard result.succeeded else {
            let output = (result.stderrText + result.stdoutText).trimmingCharacters(in: .whitespacesAndNewlines)
            throw CommandFailure(.checkFailed, "host", "\(host.label): \(step) failed (\(result.outcome))\(output.isEmpty ? "" : ": " + output)")
        }
        return result
    }
}

extension String {
    /// The text as a single-quoted shell word.
    var shellQuoted: String { ShellQuote.quote(self) }
}
