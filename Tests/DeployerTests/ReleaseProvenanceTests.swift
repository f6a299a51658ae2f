import Crypto
import Foundation
import Migrator
import SSH
import Testbed
import Testing

@testable import Deployer

/// What a release built here says about how it was built, and the payload a deploy packs from it:
/// both checked without a host.
@Suite("A release records its toolchain and Package.resolved; a deploy packs its files by content")
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
        "the manifest names the toolchain and Package.resolved's SHA-256; a deploy's payload holds the signed SHA256SUMS and one 0/0 0644 file per object, named by its SHA-256"
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

        // What a deploy sends a host that lacks every file: SHA256SUMS, its signature and one plain
        // 0/0 0644 file per distinct SHA-256, named by it, compressed.
        var objects: [String: String] = [:]
        for line in try ReleaseTransfer.checksums(of: built) where objects[line.sha256] == nil {
            objects[line.sha256] = built.path + "/" + line.path
        }
        #expect(objects.count == Set(built.manifest.files.map(\.sha256)).count + 1, "every file and the manifest")
        let payload = try ReleaseTransfer.pack(built, objects: objects, compression: .gzip)
        let listing = Process()
        listing.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        listing.arguments = ["tar", "-tvf", payload]
        let pipe = Pipe()
        listing.standardOutput = pipe
        try listing.run()
        let lines = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .split(separator: "\n")
        listing.waitUntilExit()
        #expect(lines.allSatisfy { $0.hasPrefix("-rw-r--r-- 0/0") }, "\(lines)")
        #expect(
            Set(lines.compactMap { $0.split(separator: " ").last.map(String.init) })
                == Set(objects.keys).union([ReleaseBundle.checksumsName, ReleaseBundle.signatureName]))
        let unpacked = directory.file("unpacked")
        try FileManager.default.createDirectory(atPath: unpacked, withIntermediateDirectories: true)
        let extract = Process()
        extract.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        extract.arguments = ["tar", "-xf", payload, "-C", unpacked]
        try extract.run()
        extract.waitUntilExit()
        for sha256 in objects.keys {
            #expect(try ReleaseBuilder.sha256(ofFile: unpacked + "/" + sha256) == sha256)
        }
        #expect(
            !FileManager.default.fileExists(atPath: built.path + ".tar"), "no tar of the whole release is made any more"
        )
    }
}
