import Foundation
import Testbed
import Testing

@testable import SSH

@Suite("known_hosts parsing and matching")
struct KnownHostsTests {
    static let keyA = key("ssh-ed25519", "key-a")
    static let keyB = key("ssh-ed25519", "key-b")
    static let ecdsa = key("ecdsa-sha2-nistp256", "ecdsa")

    /// A wire-format blob: the type as an SSH string, then some key material.
    static func key(_ type: String, _ material: String) -> HostKey {
        let name = Array(type.utf8)
        let length = UInt32(name.count)
        let prefix = [UInt8(length >> 24), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff)]
        return HostKey(type: type, blob: prefix + name + Array(material.utf8))
    }

    func line(_ host: String, _ key: HostKey) -> String { "\(host) \(key.openSSHPublicKey)" }

    @Test("a plain entry for port 22 matches the bare host name")
    func plainEntry() {
        let file = KnownHosts(path: "kh", text: line("10.0.0.5", Self.keyA))
        #expect(file.verify(Self.keyA, host: "10.0.0.5", port: 22) == .trusted(line: 1))
        #expect(file.verify(Self.keyA, host: "10.0.0.5", port: 2222) == .unknown)
    }

    @Test("a non-standard port is recorded and matched as [host]:port")
    func bracketedPort() {
        let file = KnownHosts(path: "kh", text: "# comment\n" + line("[example.org]:2222", Self.keyA))
        #expect(file.verify(Self.keyA, host: "example.org", port: 2222) == .trusted(line: 2))
        #expect(file.verify(Self.keyA, host: "example.org", port: 22) == .unknown)
    }

    @Test("hashed entries written by ssh-keygen -H match their host only")
    func hashedEntry() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("known_hosts")
        try (line("museshow.example", Self.keyA) + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        try runLocal(["ssh-keygen", "-q", "-H", "-f", path])
        let hashed = try KnownHosts.load(path: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8).hasPrefix("|1|"))
        #expect(hashed.verify(Self.keyA, host: "museshow.example", port: 22) == .trusted(line: 1))
        #expect(hashed.verify(Self.keyA, host: "other.example", port: 22) == .unknown)
    }

    @Test("a different key of the same type is a change, of another type is unknown")
    func changedVersusUnknownType() {
        let file = KnownHosts(path: "kh", text: line("h", Self.keyA))
        #expect(file.verify(Self.keyB, host: "h", port: 22) == .changed(line: 1))
        #expect(file.verify(Self.ecdsa, host: "h", port: 22) == .unknown)
    }

    @Test("wildcards, negations and @revoked follow OpenSSH")
    func patterns() {
        let text = [
            line("*.example.org,!bad.example.org", Self.keyA),
            "@revoked " + line("*.example.org", Self.keyB),
            "garbage line that does not parse",
        ].joined(separator: "\n")
        let file = KnownHosts(path: "kh", text: text)
        #expect(file.verify(Self.keyA, host: "db.example.org", port: 22) == .trusted(line: 1))
        #expect(file.verify(Self.keyA, host: "bad.example.org", port: 22) == .unknown)
        #expect(file.verify(Self.keyB, host: "db.example.org", port: 22) == .revoked(line: 2))
        #expect(file.entries.count == 2)
    }

    @Test("the handshake asks first for key types already recorded for the host")
    func preferenceOrder() {
        #expect(
            SSHConnection.hostKeyPreference(recorded: ["ecdsa-sha2-nistp256"]).hasPrefix(
                "ecdsa-sha2-nistp256,ssh-ed25519,"))
        #expect(SSHConnection.hostKeyPreference(recorded: []).hasPrefix("ssh-ed25519,"))
    }

    @Test("appending creates the file and writes a line OpenSSH reads back")
    func appendRoundTrip() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("sub/known_hosts")
        try KnownHosts.append(Self.keyA, host: "h", port: 2200, to: path)
        try KnownHosts.append(Self.ecdsa, host: "h", port: 22, to: path)
        let file = try KnownHosts.load(path: path)
        #expect(file.verify(Self.keyA, host: "h", port: 2200) == .trusted(line: 1))
        #expect(file.verify(Self.ecdsa, host: "h", port: 22) == .trusted(line: 2))
    }
}

@Suite("key files and fingerprints")
struct KeyFileTests {
    @Test("fingerprints equal what ssh-keygen -lf prints", arguments: ["ed25519", "ecdsa", "rsa"])
    func fingerprintMatchesSSHKeygen(type: String) throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("key")
        try runLocal(["ssh-keygen", "-q", "-t", type, "-N", "", "-f", path])
        let publicLine = try String(contentsOfFile: path + ".pub", encoding: .utf8).split(separator: " ")
        let key = HostKey(type: String(publicLine[0]), blob: [UInt8](Data(base64Encoded: String(publicLine[1]))!))
        let expected = try runLocal(["ssh-keygen", "-lf", path + ".pub"]).split(separator: " ")[1]
        #expect(key.fingerprint == String(expected))
    }

    @Test("the algorithm of a private key is read without its passphrase")
    func inspectsAlgorithm() throws {
        let directory = try TemporaryDirectory()
        for (type, expected) in [("ed25519", PrivateKeyFile.Algorithm.ed25519), ("ecdsa", .ecdsa), ("rsa", .rsa)] {
            let path = directory.file(type)
            try runLocal(["ssh-keygen", "-q", "-t", type, "-N", "secret-passphrase", "-f", path])
            let inspected = try PrivateKeyFile.inspect(path: path, label: "t")
            #expect(inspected.algorithm == expected)
            #expect(inspected.encrypted)
        }
        let pem = directory.file("pem")
        try runLocal(["ssh-keygen", "-q", "-t", "rsa", "-m", "PEM", "-N", "", "-f", pem])
        #expect(try PrivateKeyFile.inspect(path: pem, label: "t").algorithm == .rsa)
    }

    @Test("shell quoting keeps any string one word")
    func shellQuoting() throws {
        #expect(ShellQuote.quote("/opt/zakaz_dashboard") == "/opt/zakaz_dashboard")
        #expect(ShellQuote.quote("a b") == "'a b'")
        #expect(ShellQuote.quote("it's") == "'it'\\''s'")
        #expect(ShellQuote.quote("") == "''")
        let echoed = try runLocal(["sh", "-c", "printf %s " + ShellQuote.quote("$(rm -rf /) 'x' \"y\"")])
        #expect(echoed == "$(rm -rf /) 'x' \"y\"")
    }
}
