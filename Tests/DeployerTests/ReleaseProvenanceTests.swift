import Crypto
import Foundation
import Migrator
import SSH
import Testbed
import Testing

@testable import Deployer

/// What a release built here says about how it was built, and the bundle a deploy uploads: both
/// checked without a host.
@Suite("A release records its toolchain and Package.resolved and carries a signed bundle")
struct ReleaseProvenanceTests {
    /// A checkout of the repository's release folders with `Package.resolved`, and a stand-in binary.
    static func checkout(in directory: TemporaryDirectory) throws -> (checkout: String, binary: String) {
        let checkout = directory.file("checkout")
        for folder in ["systemd", "migrations", "checks"] {
            try FileManager.default.copyItem(
                atPath: Testbed.repository.appendingPathComponent(folder).path, toPath: checkout + "/" + folder)
        }
        try FileManager.default.copyItem(
            atPath: Testbed.repository.appendingPathComponent("Package.resolved").path,
            toPath: checkout + "/Package.resolved")
        let binary = try directory.write("#!/bin/sh\nexit 0\n", to: "qtickets-api")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: binary)
        return (checkout, binary)
    }

    @Test(
        "the manifest names the toolchain and Package.resolved's SHA-256; <id>.tar is signed by the release key and holds exactly the folder's files"
    )
    func releaseRecordsItsBuild() throws {
        let directory = try TemporaryDirectory("provenance")
        let (checkout, binary) = try Self.checkout(in: directory)
        let key = SigningKey(comment: "team@test")
        let built = try ReleaseBuilder(
            checkout: checkout, binary: binary, store: ReleaseStore(directory: directory.file("store")),
            signingKey: key, allowDirty: true
        ).build(actor: "test@host")
        let resolved = try Data(contentsOf: URL(fileURLWithPath: checkout + "/Package.resolved"))
        #expect(built.manifest.packageResolved == SHA256.hash(data: resolved).hexadecimal)
        #expect(
            built.manifest.toolchain?.contains("Swift version") == true,
            "\(String(describing: built.manifest.toolchain))")

        let tar = try Data(contentsOf: URL(fileURLWithPath: built.bundle))
        let signature = try String(contentsOfFile: built.bundleSignature, encoding: .utf8)
        #expect(
            try SignatureCheck.verify(
                signature, of: tar, namespace: ReleaseBundle.signatureNamespace, trusted: [key.publicKeyLine])
                == key.fingerprint)
        let listing = Process()
        listing.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        listing.arguments = ["tar", "-tvf", built.bundle]
        let pipe = Pipe()
        listing.standardOutput = pipe
        try listing.run()
        let lines = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .split(separator: "\n")
        listing.waitUntilExit()
        #expect(
            lines.allSatisfy {
                $0.hasPrefix("-rw-r--r-- 0/0") || $0.hasPrefix("-rwxr-xr-x 0/0") || $0.hasPrefix("drwxr-xr-x 0/0")
            }, "\(lines)")
        let files = Set(
            lines.filter { $0.hasPrefix("-") }.compactMap { $0.split(separator: " ").last.map(String.init) })
        let expected = Set(
            (built.manifest.files.map(\.path) + ["manifest.json", "SHA256SUMS", "SHA256SUMS.sig", "RELEASE"]).map {
                "./" + $0
            })
        #expect(files == expected)
    }
}
