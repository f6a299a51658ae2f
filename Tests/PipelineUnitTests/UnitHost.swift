import Foundation
import SSH
import Testbed

/// A testbed host to check unit files on, with a scratch directory that `close()` removes.
///
/// `systemd-analyze verify` refuses a unit whose ExecStart binary does not exist, so verification
/// runs in a private mount namespace (`unshare --mount`) where an empty tmpfs covers /opt and a
/// two-line placeholder script stands at the pipeline's binary path, behind the same `current`
/// symlink the deployer manages. The host's own /opt is never touched, so a release the deployer
/// installed there, or another engineer's test, is not disturbed.
final class UnitHost: @unchecked Sendable {
    let connection: SSHConnection
    let scratch: String

    /// prod2 by default: the host no other suite installs the pipeline on.
    init(name: String = "prod2") throws {
        let testbed = try Testbed.current()
        connection = try testbed.connect(testbed.host(name))
        let made = try connection.execute("d=$(mktemp -d /run/deployctl-units.XXXXXXXX) && chmod 0755 \"$d\" && echo \"$d\"")
        guard made.succeeded, let path = made.stdoutText.split(separator: "\n").first else {
            throw TestbedUnavailable("cannot make a scratch directory on \(name): \(made.stderrText)")
        }
        scratch = String(path)
    }

    func close() {
        _ = try? connection.execute("rm -rf \(ShellQuote.quote(scratch))")
        connection.close()
    }

    /// Writes `units` into the scratch directory and returns their paths there.
    func upload(_ units: [UnitFile]) throws -> [String] {
        try units.map { unit in
            let path = scratch + "/" + unit.name
            try connection.upload(Data(unit.text.utf8), to: path)
            return path
        }
    }

    /// Runs `command` (given the unit paths as "$@") in a private mount namespace whose /opt holds
    /// only the placeholder loader, or nothing when `withBinary` is false; output merged.
    func inPrivateOpt(_ command: String, paths: [String], withBinary: Bool = true) throws -> CommandResult {
        let placeholder = withBinary
            ? """
            mkdir -p /opt/qtickets_api/releases/test/bin
            printf '#!/bin/sh\\nexit 0\\n' > /opt/qtickets_api/releases/test/bin/qtickets-api
            chmod 0755 /opt/qtickets_api/releases/test/bin/qtickets-api
            ln -s releases/test /opt/qtickets_api/current
            """
            : ""
        let script = """
            set -e
            mount -t tmpfs -o mode=0755 deployctl-units /opt
            \(placeholder)
            cd /
            \(command) 2>&1
            """
        return try connection.execute(
            "unshare --mount --propagation private sh -c \(ShellQuote.quote(script)) sh " + paths.map(ShellQuote.quote).joined(separator: " "),
            options: .init(timeout: .seconds(60)))
    }

    /// `systemd-analyze verify` of the given unit paths, with the placeholder binary in place.
    func verify(_ paths: [String], withBinary: Bool = true) throws -> CommandResult {
        try inPrivateOpt("systemd-analyze verify \"$@\"", paths: paths, withBinary: withBinary)
    }
}
