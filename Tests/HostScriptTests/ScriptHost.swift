import Foundation
import HostScripts
import SSH
import Testbed

/// A testbed host (or the server DEPLOYCTL_TEST_SSH_HOST names) to run one host script on alone,
/// with a scratch folder laid out as a deployment root (`releases/`, `shared/`) that `close()`
/// removes. The host's own deployment is never touched.
final class ScriptHost: @unchecked Sendable {
    let connection: SSHConnection
    /// The scratch deployment root, under /run.
    let root: String

    /// prod2 by default: the host no other suite installs the pipeline on.
    init(name: String = "prod2") throws {
        let testbed = try Testbed.current()
        connection = try testbed.connect(testbed.host(name))
        let made = try connection.execute(
            "d=$(mktemp -d /run/deployctl-script.XXXXXXXX) && chmod 0755 \"$d\" && mkdir \"$d/releases\" \"$d/shared\" && echo \"$d\""
        )
        guard made.succeeded, let path = made.stdoutText.split(separator: "\n").first else {
            throw TestbedUnavailable("cannot make a scratch directory on \(name): \(made.stderrText)")
        }
        root = String(path)
    }

    func close() {
        _ = try? connection.execute("rm -rf \(ShellQuote.quote(root))")
        connection.close()
    }

    /// What one run of a script printed and how it ended.
    struct Run {
        let result: CommandResult
        var answer: ScriptAnswer { ScriptAnswer(result.stdoutText) }
        var status: Int32 { result.exitStatus }
        var stdout: String { result.stdoutText }
        var stderr: String { result.stderrText }
    }

    /// Runs `script` alone, exactly as deployctl's runner does (`sh -c TEXT NAME ARGS…`).
    func run(_ script: HostScriptSource, _ arguments: [String], timeout: Duration = .seconds(60)) throws -> Run {
        Run(result: try connection.execute(script.commandLine(arguments), options: .init(timeout: timeout)))
    }

    /// Waits up to 30 s for `condition`, asking every half second (it is up to the caller to expect
    /// the condition afterwards).
    func wait(until condition: () throws -> Bool) throws {
        for _ in 0..<60 {
            if try condition() { return }
            Thread.sleep(forTimeInterval: 0.5)
        }
    }

    /// Runs `script` as `run` does, with the host's wall clock seemingly stepped by `offset` seconds.
    func run(_ script: HostScriptSource, _ arguments: [String], wallClockOffset offset: Int) throws -> Run {
        Run(
            result: try connection.execute(
                "\(try wallClockStep(offset)) \(script.commandLine(arguments))", options: .init(timeout: .seconds(60))))
    }

    /// The environment assignments under which `date +%s` reports the wall clock moved by `offset`
    /// seconds (a `date` first on the PATH, in the scratch root): how a test steps the host's clock
    /// without stepping the machine's, which every testbed host shares.
    func wallClockStep(_ offset: Int) throws -> String {
        let shim = root + "/clock"
        try shell(
            """
            mkdir -p '\(shim)' && real=$(command -v date)
            printf '#!/bin/sh\\ncase "$1" in +%%s) echo $(($("%s" +%%s) + $OFFSET)) ;; *) exec "%s" "$@" ;; esac\\n' \
              "$real" "$real" > '\(shim)/date' && chmod 755 '\(shim)/date'
            """)
        return "PATH='\(shim)':$PATH OFFSET=\(offset)"
    }

    /// Prepares or inspects the host around a script (test set-up only); fails on a non-zero exit.
    @discardableResult
    func shell(_ command: String) throws -> String {
        let result = try connection.execute("set -eu\n" + command, options: .init(timeout: .seconds(60)))
        guard result.succeeded else { throw ShellFailed(command: command, result: result) }
        return result.stdoutText
    }

    struct ShellFailed: Error, CustomStringConvertible {
        let command: String
        let result: CommandResult
        var description: String { "`\(command)` failed (\(result.outcome)): \(result.stderrText)" }
    }
}
