import Foundation
import SSH
import Testbed
import Testing

@Suite("connecting and authenticating against a real OpenSSH server")
struct ConnectionTests {
    let testbed: Testbed

    init() throws { testbed = try Testbed.current() }

    @Test("an ed25519 key authenticates and the session runs a command")
    func ed25519KeyAuthenticates() throws {
        let connection = try testbed.connect(testbed.routineHost)
        defer { connection.close() }
        let result = try connection.execute("id -un")
        #expect(result.stdoutText == testbed.routineHost.user + "\n")
        #expect(connection.hostKey.fingerprint.hasPrefix("SHA256:"))
    }

    @Test("an ECDSA key authenticates", .enabled(if: Testbed.provides(\.ecdsa), "set DEPLOYCTL_TEST_SSH_ECDSA_KEY"))
    func ecdsaKeyAuthenticates() throws {
        let key = try #require(testbed.keys.ecdsa, "set DEPLOYCTL_TEST_SSH_ECDSA_KEY for a real server")
        let connection = try SSHConnection.connect(testbed.configuration(for: testbed.routineHost, key: key))
        connection.close()
    }

    @Test(
        "an encrypted key opens with its passphrase and fails clearly without it",
        .enabled(if: Testbed.provides(\.ed25519Encrypted), "the local testbed provides an encrypted key"))
    func encryptedKey() throws {
        let key = try #require(testbed.keys.ed25519Encrypted, "the testbed provides an encrypted key")
        let passphrase = try String(contentsOfFile: try #require(testbed.keys.passphraseFile), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try SSHConnection.connect(testbed.configuration(for: testbed.routineHost, key: key, passphrase: passphrase))
            .close()
        let missing = #expect(throws: SSHError.self) {
            try SSHConnection.connect(testbed.configuration(for: testbed.routineHost, key: key))
        }
        #expect(missing?.code == .privateKeyFile)
        #expect(missing?.message.contains("identity_passphrase_env") == true)
        let wrong = #expect(throws: SSHError.self) {
            try SSHConnection.connect(
                testbed.configuration(for: testbed.routineHost, key: key, passphrase: "wrong-" + UUID().uuidString))
        }
        #expect(wrong?.code == .privateKeyFile)
        #expect(wrong?.description.contains("wrong passphrase") == true)
    }

    @Test(
        "a key the server does not know is refused",
        .enabled(if: Testbed.provides(\.wrong), "set DEPLOYCTL_TEST_SSH_WRONG_KEY"))
    func wrongKeyRefused() throws {
        let key = try #require(testbed.keys.wrong, "set DEPLOYCTL_TEST_SSH_WRONG_KEY for a real server")
        let error = #expect(throws: SSHError.self) {
            try SSHConnection.connect(testbed.configuration(for: testbed.routineHost, key: key))
        }
        #expect(error?.code == .authenticationFailed)
        #expect(error?.message.contains("authorized_keys") == true)
        #expect(error?.libssh2 != nil)
    }

    @Test(
        "an RSA key fails with the reason and the way out",
        .enabled(if: Testbed.provides(\.rsa), "set DEPLOYCTL_TEST_SSH_RSA_KEY"))
    func rsaKeyExplained() throws {
        let key = try #require(testbed.keys.rsa, "set DEPLOYCTL_TEST_SSH_RSA_KEY for a real server")
        let error = #expect(throws: SSHError.self) {
            try SSHConnection.connect(testbed.configuration(for: testbed.routineHost, key: key))
        }
        #expect(error?.code == .rsaKeyUnsupported)
        #expect(error?.message.contains("OpenSSH 8.8") == true)
        #expect(error?.message.contains("ssh-keygen -t ed25519") == true)
    }

    @Test("an unknown host key is refused with the fingerprint ssh-keygen shows and how to trust it")
    func unknownHostKey() throws {
        let directory = try TemporaryDirectory()
        let empty = directory.file("known_hosts")
        let error = #expect(throws: SSHError.self) {
            try SSHConnection.connect(testbed.configuration(for: testbed.routineHost, knownHosts: empty))
        }
        #expect(error?.code == .unknownHostKey)
        let presented = try #require(error?.presentedKey)
        #expect(error?.message.contains(presented.fingerprint) == true)
        #expect(error?.message.contains("deployctl trust") == true)
        let recorded = try runLocal(["ssh-keygen", "-lf", testbed.knownHosts])
        #expect(recorded.contains(presented.fingerprint))
    }

    @Test("a changed host key is refused loudly, a hashed known_hosts is honoured")
    func changedAndHashedHostKey() throws {
        let directory = try TemporaryDirectory()
        let host = testbed.routineHost
        let genuine = try testbed.connect(host)
        let presented = genuine.hostKey
        genuine.close()

        let impostorKey = directory.file("impostor")
        try runLocal([
            "ssh-keygen", "-q", "-t", presented.type == "ssh-ed25519" ? "ed25519" : "ecdsa", "-N", "", "-f",
            impostorKey,
        ])
        let impostor = try String(contentsOfFile: impostorKey + ".pub", encoding: .utf8).split(separator: " ")
        let changed = directory.file("changed")
        try "\(KnownHosts.hostName(host.address, port: host.port)) \(impostor[0]) \(impostor[1])\n"
            .write(toFile: changed, atomically: true, encoding: .utf8)
        let error = #expect(throws: SSHError.self) {
            try SSHConnection.connect(testbed.configuration(for: host, knownHosts: changed))
        }
        #expect(error?.code == .hostKeyChanged)
        #expect(error?.message.contains("HOST KEY HAS CHANGED") == true)
        #expect(error?.message.contains(presented.fingerprint) == true)

        let hashed = directory.file("hashed")
        try FileManager.default.copyItem(atPath: testbed.knownHosts, toPath: hashed)
        try runLocal(["ssh-keygen", "-q", "-H", "-f", hashed])
        try SSHConnection.connect(testbed.configuration(for: host, knownHosts: hashed)).close()
    }

    @Test("a pinned fingerprint admits a host missing from known_hosts and refuses a different key")
    func pinnedFingerprint() throws {
        let directory = try TemporaryDirectory()
        let host = testbed.routineHost
        var pinned = testbed.configuration(for: host, knownHosts: directory.file("none"))
        let unknown = #expect(throws: SSHError.self) { try SSHConnection.connect(pinned) }
        pinned.pinnedFingerprint = try #require(unknown?.presentedKey).fingerprint
        try SSHConnection.connect(pinned).close()
        pinned.pinnedFingerprint = "SHA256:" + String(repeating: "A", count: 43)
        let error = #expect(throws: SSHError.self) { try SSHConnection.connect(pinned) }
        #expect(error?.code == .hostKeyPinMismatch)
    }

    @Test("a closed port is reported as connection refused")
    func connectionRefused() throws {
        var configuration = testbed.configuration(for: testbed.routineHost)
        configuration.port = 1
        let error = #expect(throws: SSHError.self) { try SSHConnection.connect(configuration) }
        #expect(error?.code == .connectionRefused)
    }

    @Test("an address that never answers fails at the deadline")
    func unreachableAddressHitsDeadline() throws {
        let blackhole = try SilentListener(acceptQueueFull: true)
        defer { blackhole.close() }
        let configuration = SSHConfiguration(
            host: "127.0.0.1", port: blackhole.port, user: "nobody",
            authentication: .privateKey(path: testbed.keys.ed25519, passphrase: nil),
            knownHostsFile: testbed.knownHosts, connectTimeout: .milliseconds(800))
        let started = ContinuousClock.now
        let error = #expect(throws: SSHError.self) { try SSHConnection.connect(configuration) }
        #expect(error?.code == .timeout)
        #expect(started.duration(to: .now) < .seconds(5))
    }

    @Test("a server that never speaks SSH fails the handshake at the deadline")
    func silentServerHitsDeadline() throws {
        let silent = try SilentListener(acceptQueueFull: false)
        defer { silent.close() }
        let configuration = SSHConfiguration(
            host: "127.0.0.1", port: silent.port, user: "nobody",
            authentication: .privateKey(path: testbed.keys.ed25519, passphrase: nil),
            knownHostsFile: testbed.knownHosts, connectTimeout: .milliseconds(800))
        let error = #expect(throws: SSHError.self) { try SSHConnection.connect(configuration) }
        #expect(error?.code == .timeout)
        #expect(error?.message.contains("handshake") == true)
    }
}
