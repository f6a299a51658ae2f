import Foundation
import SSH
import Testbed

/// A testbed host to check unit files on, with a scratch directory that `close()` removes.
///
/// `systemd-analyze verify` refuses a unit whose ExecStart binary does not exist, so verification
/// runs in a private mount namespace (`unshare --mount`) where an empty tmpfs covers /opt and a
/// two-line placeholder script stands at the pipeline's binary path, behind the same `current`
/// symlink the deployer manages. The host's own /opt is never touched, so a release the deployer
/// installed there, or another engineer's test, is not disturbed. verify does not resolve User=,
/// so it needs no qtickets account; `start(_:)`, which runs a unit for real, creates one.
final class UnitHost: @unchecked Sendable {
    let connection: SSHConnection
    let scratch: String

    /// prod2 by default: the host no other suite installs the pipeline on.
    init(name: String = "prod2") throws {
        let testbed = try Testbed.current()
        connection = try testbed.connect(testbed.host(name))
        let made = try connection.execute(
            "d=$(mktemp -d /run/deployctl-units.XXXXXXXX) && chmod 0755 \"$d\" && echo \"$d\"")
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
            _ = try connection.upload(Data(unit.text.utf8), to: path)
            return path
        }
    }

    /// Runs `command` (given the unit paths as "$@") in a private mount namespace whose /opt holds
    /// only the placeholder loader, or nothing when `withBinary` is false; output merged.
    func inPrivateOpt(_ command: String, paths: [String], withBinary: Bool = true) throws -> CommandResult {
        let placeholder =
            withBinary
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
            "unshare --mount --propagation private sh -c \(ShellQuote.quote(script)) sh "
                + paths.map(ShellQuote.quote).joined(separator: " "),
            options: .init(timeout: .seconds(60)))
    }

    /// What systemd recorded for one started unit.
    struct Run {
        /// `systemctl show -p Result -p ExecMainStatus` of the finished unit.
        let result: String
        /// The unit's journal, message text only.
        let journal: String
    }

    /// Starts `unit` for real under the host's systemd, waits until it has exited, and removes it.
    ///
    /// systemd (PID 1) reads EnvironmentFile and looks up ExecStart in the host's own file system,
    /// where the pipeline's paths belong to the deployer, so the unit is installed under a unique
    /// name in /run/systemd/system with a drop-in that points only those two settings into the
    /// scratch directory: a probe script that reports who it runs as, with which arguments and
    /// environment, and what the hardening lets it write, and an env file with the production
    /// mode (0640 root:qtickets). Everything else, the user, the hardening and the timeout, is the
    /// repository's file as it is. The qtickets account is created if the host lacks it and then
    /// removed again; an existing one is left alone.
    func start(_ unit: UnitFile) throws -> Run {
        let suffix = unit.name.hasSuffix(".service") ? ".service" : ""
        let name = "deployctl-test-\(UInt32.random(in: 0..<UInt32.max))\(suffix)"
        _ = try connection.upload(Data(unit.text.utf8), to: "/run/systemd/system/\(name)")
        let probe = """
            #!/bin/sh
            echo "probe user=$(id -un) group=$(id -gn) args=$* umask=$(umask) env=${QTICKETS_PROBE:-unset}"
            touch /opt/deployctl-probe 2>/dev/null && echo "probe opt=writable" || echo "probe opt=read-only"
            touch /tmp/deployctl-probe 2>/dev/null && echo "probe tmp=writable" || echo "probe tmp=read-only"
            ls /root >/dev/null 2>&1 && echo "probe home=visible" || echo "probe home=hidden"

            """
        _ = try connection.upload(Data(probe.utf8), to: scratch + "/qtickets-api", mode: 0o755)
        guard let execStart = unit.value("ExecStart", in: "Service") else {
            throw TestbedUnavailable("\(unit.name) has no single ExecStart")
        }
        let arguments = execStart.split(separator: " ").dropFirst().joined(separator: " ")
        let dropIn =
            "[Service]\nExecStart=\nExecStart=\(scratch)/qtickets-api \(arguments)\nEnvironmentFile=\nEnvironmentFile=\(scratch)/qtickets_api.env\n"
        let quoted = ShellQuote.quote(name)
        let script = """
            set -e
            getent passwd qtickets >/dev/null || { useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin qtickets; touch \(scratch)/created-user; }
            printf 'QTICKETS_PROBE=from-env-file\\n' > \(scratch)/qtickets_api.env
            chown root:qtickets \(scratch)/qtickets_api.env
            chmod 0640 \(scratch)/qtickets_api.env
            mkdir -p /run/systemd/system/\(quoted).d
            printf %s \(ShellQuote.quote(dropIn)) > /run/systemd/system/\(quoted).d/test.conf
            systemctl daemon-reload
            systemctl start \(quoted) || { systemctl status --no-pager --lines=20 \(quoted); exit 1; }
            for attempt in $(seq 100); do systemctl is-active --quiet \(quoted) || break; sleep 0.1; done
            """
        let cleanup = """
            systemctl stop \(quoted) 2>/dev/null || true
            rm -rf /run/systemd/system/\(quoted) /run/systemd/system/\(quoted).d
            systemctl daemon-reload
            systemctl reset-failed \(quoted) 2>/dev/null || true
            if [ -f \(scratch)/created-user ]; then userdel qtickets; fi
            """
        defer { _ = try? connection.execute(cleanup) }
        let started = try connection.execute(script, options: .init(timeout: .seconds(60)))
        guard started.succeeded else {
            throw TestbedUnavailable("starting \(name) failed: \(started.stdoutText)\(started.stderrText)")
        }
        let result = try connection.execute("systemctl show -p Result -p ExecMainStatus \(quoted)").stdoutText
        let journal = try connection.execute("journalctl --no-pager -o cat -u \(quoted)").stdoutText
        return Run(result: result.trimmingCharacters(in: .whitespacesAndNewlines), journal: journal)
    }

    /// `systemd-analyze verify` of the given unit paths, with the placeholder binary in place.
    func verify(_ paths: [String], withBinary: Bool = true) throws -> CommandResult {
        try inPrivateOpt("systemd-analyze verify \"$@\"", paths: paths, withBinary: withBinary)
    }
}
