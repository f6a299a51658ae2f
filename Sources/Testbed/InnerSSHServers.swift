import Foundation
import SSH

/// sshd processes on a testbed host, each on its own port of the host's 127.0.0.1 with a host key
/// of its own, run as transient systemd units that `stop()` ends.
public struct InnerSSHServers: Sendable {
    /// The host they run on, as reached from the workstation.
    public let bastion: SSHConfiguration
    /// Their ports on the host's 127.0.0.1.
    public let ports: [Int]
    let units: [String]
    let folder: String
    /// `[127.0.0.1]:port key` for each server, ready for a known_hosts file.
    public let knownHostsLines: String

    /// Starts `count` servers on `bastion`'s host, accepting the keys its root accepts.
    ///
    /// - Throws: `TestbedUnavailable` when they do not start (nothing is left running then).
    public static func start(on bastion: SSHConfiguration, count: Int) throws -> InnerSSHServers {
        let id = UUID().uuidString.lowercased()
        let folder = "/tmp/deployctl-inner-sshd-\(id)"
        let base = 20_000 + Int.random(in: 0..<9000)
        let ports = (0..<count).map { base + $0 * 7 }
        let units = ports.map { "deployctl-test-inner-sshd-\(id)-\($0)" }
        let connection = try SSHConnection.connect(bastion)
        defer { connection.close() }
        var script = "set -e; mkdir -p \(folder)\n"
        for (port, unit) in zip(ports, units) {
            script += """
                if ss -ltn | grep -q ':\(port) '; then echo "port \(port) is taken" >&2; exit 1; fi
                ssh-keygen -q -t ed25519 -N '' -f \(folder)/host_\(port)
                systemd-run --quiet --collect --unit \(unit) /usr/sbin/sshd -D -e -p \(port) \
                -o ListenAddress=127.0.0.1 -h \(folder)/host_\(port) -o PidFile=\(folder)/sshd_\(port).pid
                for i in $(seq 100); do ss -ltn | grep -q '127.0.0.1:\(port) ' && break; sleep 0.05; done
                ss -ltn | grep -q '127.0.0.1:\(port) ' || { echo "sshd on port \(port) did not start" >&2; exit 1; }
                printf '[127.0.0.1]:\(port) %s %s\\n' $(cut -d' ' -f1,2 \(folder)/host_\(port).pub)

                """
        }
        let started = try connection.execute(script)
        let servers = InnerSSHServers(
            bastion: bastion, ports: ports, units: units, folder: folder, knownHostsLines: started.stdoutText)
        guard started.exitStatus == 0, started.stdoutText.split(separator: "\n").count == count else {
            servers.stop()
            throw TestbedUnavailable("could not start sshd on \(bastion.label)'s 127.0.0.1: \(started.stderrText)")
        }
        return servers
    }

    /// Stops the servers and removes their keys.
    public func stop() {
        guard let connection = try? SSHConnection.connect(bastion) else { return }
        defer { connection.close() }
        _ = try? connection.execute("systemctl stop \(units.joined(separator: " ")); rm -rf \(folder)")
    }
}
