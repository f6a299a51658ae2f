import Foundation
import SSH

/// A deploy target reachable only through a jump host, for deploy and verify through a bastion.
///
/// On the local testbed the target is prod2 behind museshow: a private link (a veth pair) joins
/// museshow's and prod2's network namespaces (10.77.200.1 on museshow, 10.77.200.2 on prod2), and a
/// second sshd on prod2 (port 2222 on all of prod2's addresses, prod2's own host keys, a transient
/// unit) lets root in only from museshow's end of the link (`AllowUsers root@10.77.200.1`). The
/// workstation reaches that sshd at 10.77.3.2:2222 and is refused; museshow reaches it at
/// 10.77.200.2:2222. Nothing else changes on either host, and `close()` stops the sshd and deletes
/// the link. This costs no fourth host: a veth pair and one process, both gone afterwards.
///
/// Against real servers, `DEPLOYCTL_TEST_SSH_JUMP` names the jump host(s) (`user@host:port`,
/// comma-separated), `DEPLOYCTL_TEST_BASTION_TARGET` the target as the last of them reaches it
/// (`host:port`) and `DEPLOYCTL_TEST_BASTION_DIRECT` where the workstation tries it directly and is
/// refused (`host:port`); `DEPLOYCTL_TEST_SSH_KNOWN_HOSTS` trusts all of them.
public struct BastionRoute: Sendable {
    /// The `jump` value of an environment file's `[[hosts]]` entry.
    public let jump: String
    /// The target's address and port as the (last) jump host reaches it.
    public let address: String
    public let port: Int
    /// Where the workstation reaches the target's sshd directly, and is refused.
    public let directAddress: String
    public let directPort: Int
    /// A known_hosts file trusting the jump host(s) and the target under both names.
    public let knownHosts: String
    /// What `close()` undoes on the testbed: the link, and the sshd on the target.
    private let linkTeardown: String?
    private let target: SSHConfiguration?

    static let linkNames = ("dctl-jump0", "dctl-jump1")
    static let sshdPort = 2222
    static let unit = "deployctl-test-bastion-sshd"

    /// Sets the route up (on the testbed) or reads it from the environment (real servers).
    ///
    /// - Throws: `TestbedUnavailable` when the link or the sshd cannot be set up (what was set up is removed again).
    public static func open(_ testbed: Testbed, in directory: TemporaryDirectory) throws -> BastionRoute {
        let environment = ProcessInfo.processInfo.environment
        if !testbed.isLocal {
            guard let jump = environment["DEPLOYCTL_TEST_SSH_JUMP"], !jump.isEmpty,
                let target = environment["DEPLOYCTL_TEST_BASTION_TARGET"].flatMap(Self.hostPort),
                let direct = environment["DEPLOYCTL_TEST_BASTION_DIRECT"].flatMap(Self.hostPort)
            else {
                throw TestbedUnavailable(
                    "against real servers set DEPLOYCTL_TEST_SSH_JUMP, DEPLOYCTL_TEST_BASTION_TARGET and DEPLOYCTL_TEST_BASTION_DIRECT (README, \"Testing against your servers\")"
                )
            }
            return BastionRoute(
                jump: jump, address: target.host, port: target.port, directAddress: direct.host,
                directPort: direct.port, knownHosts: testbed.knownHosts, linkTeardown: nil, target: nil)
        }
        let bastion = testbed.host("museshow")
        let target = testbed.host("prod2")
        let (outer, inner) = linkNames
        let pids = try initPIDs()
        guard let bastionPID = pids[bastion.name], let targetPID = pids[target.name] else {
            throw TestbedUnavailable("testbed.json names no running museshow and prod2")
        }
        let teardown = "nsenter -t \(bastionPID) -n ip link del \(outer) 2>/dev/null || true"
        let link = """
            set -e
            \(teardown)
            ip link add \(outer) type veth peer name \(inner)
            ip link set \(outer) netns \(bastionPID)
            ip link set \(inner) netns \(targetPID)
            nsenter -t \(bastionPID) -n ip addr add 10.77.200.1/30 dev \(outer)
            nsenter -t \(bastionPID) -n ip link set \(outer) up
            nsenter -t \(targetPID) -n ip addr add 10.77.200.2/30 dev \(inner)
            nsenter -t \(targetPID) -n ip link set \(inner) up
            """
        if let failure = runOnMachine(link) {
            _ = runOnMachine(teardown)
            throw TestbedUnavailable("could not link museshow and prod2: \(failure)")
        }
        let connection: SSHConnection
        do {
            connection = try testbed.connect(target)
        } catch {
            _ = runOnMachine(teardown)
            throw error
        }
        defer { connection.close() }
        let started = try connection.execute(
            """
            systemctl stop \(unit) 2>/dev/null; systemctl reset-failed \(unit) 2>/dev/null
            systemd-run --quiet --collect --unit \(unit) /usr/sbin/sshd -D -e -p \(sshdPort) \
              -o 'AllowUsers root@10.77.200.1' -o PidFile=/run/\(unit).pid
            for i in $(seq 100); do ss -ltn | grep -q ':\(sshdPort) ' && exit 0; sleep 0.05; done
            echo "sshd on port \(sshdPort) did not start" >&2; exit 1
            """)
        guard started.exitStatus == 0 else {
            _ = runOnMachine(teardown)
            throw TestbedUnavailable("could not start the bastion's target sshd on prod2: \(started.stderrText)")
        }
        // Both names of prod2's second sshd carry prod2's keys.
        let recorded = try String(contentsOfFile: testbed.knownHosts, encoding: .utf8)
        let prod2Keys = recorded.split(separator: "\n").filter { $0.hasPrefix(target.address + " ") }
        let extra = prod2Keys.flatMap { line in
            let key = line.dropFirst(target.address.count + 1)
            return ["[10.77.200.2]:\(sshdPort) \(key)", "[\(target.address)]:\(sshdPort) \(key)"]
        }
        let knownHosts = directory.file("bastion_known_hosts")
        try (recorded + extra.joined(separator: "\n") + "\n").write(
            toFile: knownHosts, atomically: true, encoding: .utf8)
        return BastionRoute(
            jump: "\(bastion.user)@\(bastion.address):\(bastion.port)", address: "10.77.200.2", port: sshdPort,
            directAddress: target.address, directPort: sshdPort, knownHosts: knownHosts, linkTeardown: teardown,
            target: testbed.configuration(for: target))
    }

    /// Stops the target's second sshd and deletes the link (nothing on real servers).
    public func close() {
        if let target, let connection = try? SSHConnection.connect(target) {
            _ = try? connection.execute("systemctl stop \(Self.unit)")
            connection.close()
        }
        if let linkTeardown { _ = Self.runOnMachine(linkTeardown) }
    }

    /// `host:port` split; nil without a port.
    private static func hostPort(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) else { return nil }
        return (String(text[..<colon]), port)
    }

    /// Each running testbed host's init process (the child of the nspawn process testbed.json names).
    private static func initPIDs() throws -> [String: Int] {
        struct Facts: Decodable {
            struct Host: Decodable {
                let name: String
                let pid: Int
            }
            let hosts: [Host]
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: Testbed.directory + "/testbed.json"))
        var pids: [String: Int] = [:]
        for host in try JSONDecoder().decode(Facts.self, from: data).hosts {
            let children = (try? String(contentsOfFile: "/proc/\(host.pid)/task/\(host.pid)/children", encoding: .utf8))
            if let child = children?.split(separator: " ").first.flatMap({ Int($0) }) { pids[host.name] = child }
        }
        return pids
    }

    /// Runs `script` with `sh` on this machine; the error output when it fails, nil when it succeeds.
    private static func runOnMachine(_ script: String) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return "\(error)"
        }
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return process.terminationStatus == 0 ? nil : text
    }
}
