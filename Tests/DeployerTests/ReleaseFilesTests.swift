import Console
import Foundation
import SSH
import Testbed
import Testing
import Verify

@testable import Deployer

/// What verify reads from a release folder (the store's, or the copy fetched from the host): the
/// revision and the binary's provenance from its own manifest, and what it lacks.
@Suite("verify reads a release's revision, binary provenance and gaps from the release itself")
struct ReleaseFilesTests {
    static func git(_ arguments: [String], in directory: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", directory, "-c", "user.name=test", "-c", "user.email=test@test"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "git \(arguments)")
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test(
        "a clean checkout's release names its revision and a binary built from it; --binary says built elsewhere, with its own SHA-256"
    )
    func revisionAndBinary() throws {
        let directory = try TemporaryDirectory("release-files")
        let (checkout, elsewhere) = try ReleaseProvenanceTests.checkout(in: directory)
        _ = try Self.git(["init", "-q"], in: checkout)
        _ = try Self.git(["add", "."], in: checkout)
        _ = try Self.git(["commit", "-q", "-m", "release"], in: checkout)
        let revision = try Self.git(["rev-parse", "--short=12", "HEAD"], in: checkout)
        let own = ReleaseBuilder.checkoutBinary(of: checkout)
        try FileManager.default.createDirectory(
            atPath: (own as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try "#!/bin/sh\necho built here\n".write(toFile: own, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: own)
        let store = ReleaseStore(directory: directory.file("store"))
        let key = SigningKey(comment: "team@test")

        let fromCheckout = try ReleaseBuilder(checkout: checkout, store: store, signingKey: key, allowDirty: false)
            .build(actor: "test@host")
        #expect(fromCheckout.manifest.revision == revision && fromCheckout.manifest.binaryOrigin == .checkout)
        let files = try ReleaseFiles(directory: fromCheckout.path)
        #expect(files.revision == revision, "the report's Git revision is the checkout's, read from the release")
        #expect(
            files.binary
                == VerificationReport.Binary(
                    sha256: try ReleaseBuilder.sha256(ofFile: own), builtElsewhere: false))
        #expect(files.gaps.isEmpty && !files.units.isEmpty && !files.smoke.isEmpty)

        let handed = try ReleaseBuilder(
            checkout: checkout, binary: elsewhere, store: store, signingKey: key, allowDirty: false
        ).build(actor: "test@host")
        #expect(handed.manifest.binaryOrigin == .elsewhere)
        #expect(handed.render(Terminal(mode: .never)).contains("qtickets-api built elsewhere (--binary)"))
        let handedFiles = try ReleaseFiles(directory: handed.path)
        #expect(
            handedFiles.binary
                == VerificationReport.Binary(
                    sha256: try ReleaseBuilder.sha256(ofFile: elsewhere), builtElsewhere: true))
        let report = VerificationReport(
            environment: "museshow", release: handed.id, revision: handedFiles.revision, binary: handedFiles.binary,
            deployctlVersion: "test", startedAt: Date(), finishedAt: Date(), actor: "test", migrationHead: nil,
            migrationChecksums: [:], hosts: [])
        let markdown = report.markdown(language: .russian)
        #expect(
            markdown.contains(
                "| Git-ревизия | \(revision) (юниты, миграции, smoke-проверки; не бинарник qtickets-api) |"),
            "\(markdown)")
        #expect(markdown.contains("собран вне checkout"))
    }

    @Test("a release without smoke checks or with unreadable units: verify's shipped checks fail and say why")
    func releaseWithoutChecks() throws {
        let directory = try TemporaryDirectory("release-gaps")
        let (checkout, binary) = try ReleaseProvenanceTests.checkout(in: directory)
        let built = try ReleaseBuilder(
            checkout: checkout, binary: binary, store: ReleaseStore(directory: directory.file("store")),
            signingKey: SigningKey(comment: "team@test"), allowDirty: true
        ).build(actor: "test@host")
        let copy = directory.file("copy")
        try FileManager.default.copyItem(atPath: built.path, toPath: copy)
        try FileManager.default.removeItem(atPath: copy + "/checks/smoke")
        try FileManager.default.removeItem(atPath: copy + "/systemd")
        try "not a folder".write(toFile: copy + "/systemd", atomically: true, encoding: .utf8)
        let files = try ReleaseFiles(directory: copy)
        #expect(files.smoke.isEmpty && files.gaps[.smoke] == nil)
        let units = try #require(files.gaps[.automation])
        #expect(units.english.hasPrefix("the release's systemd/ cannot be read"), "\(units)")

        let smoke = VerifySuite.shippedCheck(
            .smoke, release: built.id, count: files.smoke.count, gap: files.gaps[.smoke], root: "/opt/zakaz_dashboard",
            environment: "museshow")
        #expect(smoke.outcome == .fail && smoke.blocks && smoke.found.english.contains("has none under checks/smoke/"))
        let automation = VerifySuite.shippedCheck(
            .automation, release: built.id, count: files.units.count, gap: files.gaps[.automation],
            root: "/opt/zakaz_dashboard", environment: "museshow")
        #expect(automation.outcome == .fail && automation.found == units)
        let none = ReleaseFiles.none
        #expect(
            VerifySuite.shippedCheck(
                .smoke, release: nil, count: 0, gap: none.gaps[.smoke], root: "/opt/zakaz_dashboard",
                environment: "museshow"
            ).remedy?.english == "deploy a release first: deployctl deploy museshow")
    }
}
