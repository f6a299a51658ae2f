import Crypto
import Foundation
import SSH
import Testbed
import Testing

@Suite(
    "connecting through jump hosts (ProxyJump): a full SSH session inside a channel of the one before",
    .enabled(if: JumpRoute.isAvailable, "set DEPLOYCTL_TEST_SSH_JUMP to the hops in front of the server"),
    JumpRoute.Scope())
struct JumpHostTests {
    let route: JumpRoute

    init() throws { route = try JumpRoute.get() }

    @Test("one hop: commands and an SFTP upload reach the server behind the jump host")
    func oneHop() throws {
        let connection = try SSHConnection.connect(route.target(1))
        defer { connection.close() }
        #expect(connection.jumpHost?.configuration.host == route.chain[0].host)
        try expectWorking(connection, behind: route.chain[1])
    }

    @Test(
        "two hops: the session to the last server travels inside the session to the second",
        .enabled(if: JumpRoute.hasTwoHops, "DEPLOYCTL_TEST_SSH_JUMP names one hop only"))
    func twoHops() throws {
        let connection = try SSHConnection.connect(route.target(2))
        defer { connection.close() }
        let second = try #require(connection.jumpHost)
        #expect(second.configuration.host == route.chain[1].host)
        #expect(second.jumpHost?.configuration.host == route.chain[0].host)
        try expectWorking(connection, behind: route.chain[2])
    }

    @Test("hosts behind the same jump host share one connection to it, closed with the last of them")
    func sharedBastion() async throws {
        let pool = SSHJumpPool()
        async let first = pool.open(route.target(1))
        async let second = pool.open(route.target(1))
        let connections = try await [first, second]
        #expect(connections[0].jumpHost === connections[1].jumpHost)
        #expect(pool.openJumpConnections == 1)
        let bastion = try #require(connections[0].jumpHost)
        for connection in connections {
            #expect(try connection.execute("echo ok").stdoutText == "ok\n")
        }
        connections[0].close()
        #expect(bastion.isOpen, "the other host still uses it")
        #expect(try connections[1].execute("echo still").stdoutText == "still\n")
        connections[1].close()
        #expect(!bastion.isOpen)
        #expect(pool.openJumpConnections == 0)

        let again = try pool.connect(route.target(1))
        defer { again.close() }
        #expect(again.jumpHost !== bastion, "a new connection once the last one closed")
    }

    @Test("a jump host connection that has ended is not handed out again: the next host gets a new one")
    func endedBastionReplaced() throws {
        let pool = SSHJumpPool()
        let first = try pool.connect(route.target(1))
        defer { first.close() }
        let bastion = try #require(first.jumpHost)
        bastion.close()
        let second = try pool.connect(route.target(1))
        defer { second.close() }
        #expect(second.jumpHost !== bastion)
        #expect(try second.execute("echo fresh").stdoutText == "fresh\n")
        #expect(throws: SSHError.self) { try first.execute("true") }
    }

    @Test("an unknown jump host key is refused with its fingerprint and which hop it is")
    func unknownBastionKey() throws {
        let bastionKey = try hostKey(of: route.chain[0])
        let scratch = try TemporaryDirectory("jump-keys")
        let withoutBastion = scratch.file("known_hosts")
        let lines = try String(contentsOfFile: route.knownHosts, encoding: .utf8).split(separator: "\n")
        let others = lines.filter { line in
            KnownHosts(path: "", text: String(line)).entries(forHost: route.chain[0].host, port: route.chain[0].port)
                .isEmpty
        }
        try others.joined(separator: "\n").write(toFile: withoutBastion, atomically: true, encoding: .utf8)

        let error = #expect(throws: SSHError.self) {
            try SSHConnection.connect(route.target(1, knownHosts: withoutBastion))
        }
        #expect(error?.code == .unknownHostKey)
        #expect(error?.presentedKey == bastionKey)
        #expect(error?.keyEndpoint?.jumpHost == 1)
        #expect(error?.keyEndpoint?.host == route.chain[0].host)
        #expect(error?.message.contains(bastionKey.fingerprint) == true)
        #expect(error?.message.contains("\(route.chain[0].label) (jump host 1)") == true)
        #expect(error?.message.contains("host_key =") == false, "a jump host cannot be pinned")
    }

    @Test("an unknown key behind a trusted jump host is the target's, with its own fingerprint")
    func unknownTargetKey() throws {
        let scratch = try TemporaryDirectory("jump-keys")
        let onlyBastion = scratch.file("known_hosts")
        let bastionKey = try hostKey(of: route.chain[0])
        try "\(KnownHosts.hostName(route.chain[0].host, port: route.chain[0].port)) \(bastionKey.openSSHPublicKey)\n"
            .write(toFile: onlyBastion, atomically: true, encoding: .utf8)
        let error = #expect(throws: SSHError.self) {
            try SSHConnection.connect(route.target(1, knownHosts: onlyBastion))
        }
        #expect(error?.code == .unknownHostKey)
        #expect(error?.keyEndpoint?.jumpHost == nil)
        #expect(error?.keyEndpoint?.port == route.chain[1].port)
        let key = try #require(error?.presentedKey)
        #expect(key != bastionKey)
        #expect(error?.message.hasPrefix("\(route.chain[1].label): ") == true)
        #expect(error?.message.contains(key.fingerprint) == true)
    }

    @Test("a jump host that is down fails at once, naming the hop")
    func bastionDown() throws {
        let closed = try SilentListener(acceptQueueFull: false)
        let port = closed.port
        closed.close()
        let (error, elapsed) = connectWithBastion(atLocalPort: port, timeout: .seconds(10))
        #expect(error?.code == .connectionRefused)
        #expect(error?.message.hasPrefix("bastion (jump host 1): ") == true)
        #expect(elapsed < .seconds(3))
    }

    @Test("a jump host that does not answer fails at its own connect timeout, naming the hop")
    func bastionSilent() throws {
        let silent = try SilentListener(acceptQueueFull: false)
        defer { silent.close() }
        let (error, elapsed) = connectWithBastion(atLocalPort: silent.port, timeout: .milliseconds(800))
        #expect(error?.code == .timeout)
        #expect(error?.message.hasPrefix("bastion (jump host 1): ") == true)
        #expect(elapsed < .seconds(5))
    }

    /// Connects to `chain[1]` with the first hop moved to the workstation's `port` (connect timeout
    /// `timeout`, the target's 30 s); the error and how long it took.
    private func connectWithBastion(atLocalPort port: Int, timeout: Duration) -> (SSHError?, Duration) {
        var configuration = route.target(1)
        configuration.connectTimeout = .seconds(30)
        configuration.jumpHosts[0].host = "127.0.0.1"
        configuration.jumpHosts[0].port = port
        configuration.jumpHosts[0].label = "bastion"
        configuration.jumpHosts[0].connectTimeout = timeout
        let started = ContinuousClock.now
        let error = #expect(throws: SSHError.self) { try SSHConnection.connect(configuration) }
        return (error, started.duration(to: .now))
    }

    @Test("a host behind the jump host that is down is reported by the jump host, naming both")
    func hostBehindDown() throws {
        var configuration = route.target(1)
        configuration.port = 1
        configuration.label = "behind"
        let error = #expect(throws: SSHError.self) { try SSHConnection.connect(configuration) }
        #expect(error?.code == .connectionFailed)
        #expect(error?.message.hasPrefix("behind: \(route.chain[0].label) (jump host 1) could not connect to") == true)
    }

    /// The key `server` presents, read over a chain that trusts it.
    private func hostKey(of server: SSHConfiguration) throws -> HostKey {
        let index = try #require(route.chain.firstIndex { $0.host == server.host && $0.port == server.port })
        let connection = try SSHConnection.connect(route.target(index))
        defer { connection.close() }
        return connection.hostKey
    }

    /// A command, an SFTP upload of a megabyte with its checksum checked on the host, and a read
    /// back work over `connection`, which arrived at `server` (sshd sees it from the hop before).
    private func expectWorking(_ connection: SSHConnection, behind server: SSHConfiguration) throws {
        let seen = try connection.execute("echo $SSH_CONNECTION")
        let fields = seen.stdoutText.split(separator: " ")
        #expect(fields.count == 4 && fields[3].trimmingCharacters(in: .newlines) == String(server.port))
        let payload = Data((0..<1_048_576).map { _ in UInt8.random(in: 0...255) })
        let path = "/tmp/deployctl-jump-upload-\(UUID().uuidString)"
        defer { _ = try? connection.execute("rm -f \(path)") }
        let uploaded = try connection.upload(payload, to: path, mode: 0o600)
        #expect(uploaded.bytes == UInt64(payload.count))
        let digest = SHA256.hash(data: payload).map { String(format: "%02x", $0) }.joined()
        #expect(try connection.execute("sha256sum \(path)").stdoutText.hasPrefix(digest))
        #expect(try connection.contents(of: path) == payload)
    }
}
