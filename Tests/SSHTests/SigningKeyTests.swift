import Foundation
import SSH
import Testbed
import Testing

/// Release signatures must verify with OpenSSH's own `ssh-keygen -Y verify`, the tool the hosts use.
@Suite("release signing keys and SSHSIG signatures, checked by ssh-keygen")
struct SigningKeyTests {
    func sshKeygen(_ arguments: [String], stdin: Data? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ssh-keygen")
        process.arguments = arguments
        let output = Pipe()
        let input = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test("a key written by deployctl is an OpenSSH key: ssh-keygen derives the same public key and fingerprint")
    func keyFile() throws {
        let directory = try TemporaryDirectory("signing")
        let key = SigningKey(comment: "release@test")
        let path = try directory.write(key.privateKeyFile, to: "release")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        let derived = try sshKeygen(["-y", "-f", path])
        #expect(
            derived.status == 0
                && key.publicKeyLine.hasPrefix(derived.output.trimmingCharacters(in: .whitespacesAndNewlines)),
            "\(derived.output)")
        try directory.write(key.publicKeyLine + "\n", to: "release.pub")
        let fingerprint = try sshKeygen(["-lf", directory.file("release.pub")])
        #expect(fingerprint.output.contains(key.fingerprint), "\(fingerprint.output)")
        #expect(try SigningKey.load(path: path).publicKeyLine == key.publicKeyLine)
    }

    @Test("a signature verifies with ssh-keygen -Y verify; altered content and another key's signature do not")
    func signatures() throws {
        let directory = try TemporaryDirectory("signing")
        let key = SigningKey(comment: "release@test")
        let other = SigningKey(comment: "stranger@test")
        let message = Data("e3b0c44298fc1c149afbf4c8996fb924  bin/qtickets-api\n".utf8)
        try directory.write(key.signature(of: message, namespace: "deployctl-release"), to: "good.sig")
        try directory.write(other.signature(of: message, namespace: "deployctl-release"), to: "stranger.sig")
        try directory.write(
            "deployctl-release namespaces=\"deployctl-release\" \(key.publicKeyLine)\n", to: "allowed_signers")
        func verify(_ signature: String, _ content: Data) throws -> Int32 {
            try sshKeygen(
                [
                    "-Y", "verify", "-f", directory.file("allowed_signers"), "-I", "deployctl-release", "-n",
                    "deployctl-release", "-s", directory.file(signature),
                ],
                stdin: content
            ).status
        }
        #expect(try verify("good.sig", message) == 0)
        #expect(try verify("good.sig", message + Data("x".utf8)) != 0)
        #expect(try verify("stranger.sig", message) != 0)
    }

    @Test("a key made by ssh-keygen loads; an encrypted or world-readable one is refused with the reason")
    func foreignKeys() throws {
        let directory = try TemporaryDirectory("signing")
        #expect(
            try sshKeygen(["-q", "-t", "ed25519", "-N", "", "-C", "made@ssh-keygen", "-f", directory.file("plain")])
                .status == 0)
        #expect(try SigningKey.load(path: directory.file("plain")).comment == "made@ssh-keygen")
        #expect(
            try sshKeygen([
                "-q", "-t", "ed25519", "-N", "secret-\(UUID().uuidString)", "-f", directory.file("encrypted"),
            ]).status == 0)
        #expect { try SigningKey.load(path: directory.file("encrypted")) } throws: { "\($0)".contains("encrypted") }
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: directory.file("plain"))
        #expect { try SigningKey.load(path: directory.file("plain")) } throws: { "\($0)".contains("chmod 600") }
    }
}
