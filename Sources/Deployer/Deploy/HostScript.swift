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

/// The `key=value` lines of a script's output; keys may repeat, and a block between `<<KEY` and
/// `>>KEY` lines is one value (a file's content).
struct ScriptAnswer {
    private(set) var values: [String: [String]] = [:]

    init(_ output: String) {
        var block: (key: String, lines: [String])?
        for line in output.split(separator: "\n", omittingEmptySubsequences: false) {
            if var open = block {
                if line == ">>" + open.key {
                    values[open.key, default: []].append(open.lines.joined(separator: "\n"))
                    block = nil
                } else {
                    open.lines.append(String(line))
                    block = open
                }
            } else if line.hasPrefix("<<") {
                block = (String(line.dropFirst(2)), [])
            } else if let equals = line.firstIndex(of: "=") {
                values[String(line[..<equals]), default: []].append(String(line[line.index(after: equals)...]))
            }
        }
    }

    subscript(key: String) -> String? { values[key]?.last }

    func all(_ key: String) -> [String] { values[key] ?? [] }

    /// Every `prefix<name>=value` as `name: value`.
    func named(_ prefix: String) -> [String: String] {
        var result: [String: String] = [:]
        for (key, list) in values where key.hasPrefix(prefix) { result[String(key.dropFirst(prefix.count))] = list.last }
        return result
    }
}

extension String {
    /// The text as a single-quoted shell word.
    var shellQuoted: String { ShellQuote.quote(self) }
}
