import Console
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

    @Test(
        "without --release a deploy takes what the last `release build` made or found, not the newest build from another checkout; `release list` marks it"
    )
    func lastBuildIsTheDefault() throws {
        let directory = try TemporaryDirectory("last-build")
        let (checkout, binary) = try Self.checkout(in: directory)
        let other = directory.file("other")
        try FileManager.default.copyItem(atPath: checkout, toPath: other)
        let timer = other + "/systemd/qtickets_api.timer"
        try (try String(contentsOfFile: timer, encoding: .utf8) + "# another checkout\n").write(
            toFile: timer, atomically: true, encoding: .utf8)
        let store = ReleaseStore(directory: directory.file("store"))
        func build(_ path: String) throws -> ReleaseSummary {
            try ReleaseBuilder(
                checkout: path, binary: binary, store: store, signingKey: SigningKey(comment: "team@test"),
                allowDirty: true
            ).build(actor: "test@host")
        }
        let mine = try build(checkout)
        Thread.sleep(forTimeInterval: 1.1)
        let theirs = try build(other)
        #expect(store.all().first?.manifest.id == theirs.manifest.id, "the other checkout's build is the newest")
        #expect(try store.release(nil).manifest.id == theirs.manifest.id)

        let again = try build(checkout)
        #expect(again.status == .alreadyBuilt && again.manifest.id == mine.manifest.id)
        #expect(try store.release(nil).manifest.id == mine.manifest.id, "what was just built, though not the newest")
        let list = ReleaseList(store: store)
        #expect(list.defaultRelease == mine.manifest.id)
        let rows = list.render(.plain).split(separator: "\n")
        let marked = { (id: String) in
            rows.first { $0.contains(id) }?.trimmingCharacters(in: .whitespaces).hasPrefix("*")
        }
        #expect(marked(mine.manifest.id) == true && marked(theirs.manifest.id) == false, "\(list.render(.plain))")
        #expect(try store.release(String(theirs.manifest.id.prefix(6))).manifest.id == theirs.manifest.id)

        try FileManager.default.removeItem(atPath: mine.path)
        #expect(try store.release(nil).manifest.id == theirs.manifest.id, "a last build removed since: the newest")
    }
}
