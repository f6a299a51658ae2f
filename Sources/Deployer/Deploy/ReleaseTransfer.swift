import Console
import Crypto
import Foundation
import HostScripts
import Migrator
import SSH

/// What a deploy sends one host that lacks the release: the files whose content (by SHA-256) the
/// host's object store does not hold, or holds corrupt, packed with the signed `SHA256SUMS` into one
/// compressed tar (the payload). Asked in one round trip (`release-objects`) when the plan is made,
/// so that `--dry-run` says how many bytes will travel.
public struct ReleaseTransfer: Sendable, Encodable {
    /// How the payload is compressed: `zstd` when both the workstation and the host have it, else `gzip`.
    public enum Compression: String, Sendable, Encodable {
        case zstd, gzip

        /// The compressor `tar -I` runs, at a level that keeps the workstation ahead of a 100 Mbit/s link.
        var program: String {
            switch self {
            case .zstd: "zstd -3 -T0 -q"
            case .gzip: "gzip -1"
            }
        }
    }

    /// The release paths whose content is sent (a path whose content another path also has is sent once).
    public let files: [String]
    /// The objects sent: distinct SHA-256s.
    public let objects: Int
    /// The paths whose object the host held with other content; they are sent again.
    public let corrupt: [String]
    /// The files of the release, and how many of them the host holds already.
    public let releaseFiles: Int
    /// The content sent, before compression.
    public let bytes: UInt64
    /// The payload's size: what travels.
    public let wireBytes: UInt64
    public let compression: Compression
    /// The payload on the workstation, and the files it packs (SHA-256 to the file that has it).
    let payload: String
    let sources: [String: String]

    private enum CodingKeys: String, CodingKey {
        case files, objects, corrupt, releaseFiles, bytes, wireBytes, compression
    }

    /// `sent 2 of 14 files, 4.1 KiB (1.3 KiB gzip on the wire)`.
    var summary: String {
        "send \(files.count) of \(releaseFiles) file(s), \(Self.size(bytes)) (\(Self.size(wireBytes)) \(compression.rawValue) on the wire)"
            + (corrupt.isEmpty ? "" : "; corrupt on the host, sent again: " + corrupt.joined(separator: ", "))
    }

    static func size(_ bytes: UInt64) -> String {
        bytes < 1024 * 1024 ? String(format: "%.1f KiB", Double(bytes) / 1024) : DeployPlan.mebibytes(bytes)
    }

    /// What one host said it lacks of a release: the objects missing or corrupt in its store, and
    /// the compression both ends have. Asked concurrently of every host; `transfer` packs it.
    struct Needs: Sendable {
        let listed: [(sha256: String, path: String)]
        let missing: Set<String>
        let corrupt: Set<String>
        let compression: Compression
    }

    /// Asks `host` which of `release`'s objects it lacks (one round trip).
    ///
    /// - Throws: `CommandFailure`: the host cannot answer, the release has no SHA256SUMS.
    static func needs(of release: ReleaseSummary, layout: HostLayout, on host: any RemoteHost)
        async throws(CommandFailure) -> Needs
    {
        let listed = try checksums(of: release)
        let hashes = Array(Set(listed.map(\.sha256))).sorted()
        let answer = ScriptAnswer(
            try await HostScript(host: host).require(
                .releaseObjects, [layout.objects] + hashes, step: "asking which release files the host lacks"
            ).stdoutText)
        let known = Set(hashes)
        let corrupt = Set(answer.all("corrupt")).intersection(known)
        return Needs(
            listed: listed, missing: Set(answer.all("missing")).intersection(known).union(corrupt), corrupt: corrupt,
            compression: answer["zstd"] == "yes" && Self.workstationHasZstd ? .zstd : .gzip)
    }

    /// Packs what `needs` lists; hosts that lack the same objects share one payload (see `pack`).
    ///
    /// - Throws: `CommandFailure`: the release folder lacks a file its SHA256SUMS lists, the payload
    ///   cannot be written.
    static func transfer(of release: ReleaseSummary, for needs: Needs) throws(CommandFailure) -> ReleaseTransfer {
        var sources: [String: String] = [:]
        for file in needs.listed where needs.missing.contains(file.sha256) && sources[file.sha256] == nil {
            sources[file.sha256] = release.path + "/" + file.path
        }
        let payload = try pack(release, objects: sources, compression: needs.compression)
        let sent = needs.listed.filter { sources[$0.sha256] == release.path + "/" + $0.path }
        let size = { (path: String) in
            ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? UInt64) ?? 0
        }
        return ReleaseTransfer(
            files: sent.map(\.path), objects: sources.count,
            corrupt: needs.listed.filter { needs.corrupt.contains($0.sha256) }.map(\.path),
            releaseFiles: needs.listed.count, bytes: sources.values.reduce(0) { $0 + size($1) },
            wireBytes: size(payload), compression: needs.compression, payload: payload, sources: sources)
    }

    /// The payload, packed again if it was removed since the plan (it is kept for an hour).
    func payloadFile(of release: ReleaseSummary) throws(CommandFailure) -> String {
        FileManager.default.fileExists(atPath: payload)
            ? payload : try Self.pack(release, objects: sources, compression: compression)
    }

    /// The lines of the release's `SHA256SUMS`: every file and the manifest.
    static func checksums(of release: ReleaseSummary) throws(CommandFailure) -> [(sha256: String, path: String)] {
        guard
            let text = try? String(
                contentsOfFile: release.path + "/" + ReleaseBundle.checksumsName, encoding: .utf8)
        else {
            throw CommandFailure(
                .invalidConfiguration, "release", "release \(release.id) has no \(ReleaseBundle.checksumsName)")
        }
        return text.split(separator: "\n").compactMap { line in
            guard let space = line.firstIndex(of: " ") else { return nil }
            let sha256 = String(line[..<space])
            let path = String(line[space...].drop { $0 == " " })
            return sha256.wholeMatch(of: /[0-9a-f]{64}/) == nil ? nil : (sha256, path)
        }
    }

    /// Whether this workstation has the `zstd` program.
    static let workstationHasZstd: Bool = (try? run(["zstd", "--version"])) != nil

    /// The payload of `release` holding `objects` (SHA-256 to the file that has it): a tar of
    /// `SHA256SUMS`, `SHA256SUMS.sig` and one plain file per object named by its SHA-256, 0/0 and
    /// 0644, compressed. Kept in the store's `.payloads` folder by what it holds, so the hosts that
    /// lack the same objects share one; payloads older than an hour are removed when one is made.
    static func pack(_ release: ReleaseSummary, objects: [String: String], compression: Compression)
        throws(CommandFailure) -> String
    {
        let manager = FileManager.default
        let folder = (release.path as NSString).deletingLastPathComponent + "/.payloads"
        let key = SHA256.hash(data: Data((objects.keys.sorted() + [compression.rawValue]).joined(separator: "\n").utf8))
            .hexadecimal.prefix(16)
        let payload = "\(folder)/\(release.id)-\(key).tar"
        if manager.fileExists(atPath: payload) { return payload }
        let staging = "\(folder)/.staging-\(UUID().uuidString.prefix(8))"
        defer { try? manager.removeItem(atPath: staging) }
        do {
            try manager.createDirectory(atPath: staging, withIntermediateDirectories: true)
            for stale in try manager.contentsOfDirectory(atPath: folder) where !stale.hasPrefix(".") {
                let path = folder + "/" + stale
                if let modified = try manager.attributesOfItem(atPath: path)[.modificationDate] as? Date,
                    modified < Date(timeIntervalSinceNow: -3600)
                {
                    try? manager.removeItem(atPath: path)
                }
            }
            for name in [ReleaseBundle.checksumsName, ReleaseBundle.signatureName] {
                try manager.createSymbolicLink(
                    atPath: staging + "/" + name, withDestinationPath: release.path + "/" + name)
            }
            for (sha256, source) in objects {
                guard manager.fileExists(atPath: source) else {
                    throw CommandFailure(
                        .invalidConfiguration, "release",
                        "release \(release.id) in \(release.path) lacks \(source) (a copy of a release read from a host holds no binary): build it here with `deployctl release build`"
                    )
                }
                try manager.createSymbolicLink(atPath: staging + "/" + sha256, withDestinationPath: source)
            }
            let temporary = staging + "/payload.tar"
            try run(
                [
                    "tar", "-C", staging, "--dereference", "--owner=0", "--group=0", "--numeric-owner",
                    "--mode=0644", "--format=gnu", "-I", compression.program, "-cf", temporary, "--",
                    ReleaseBundle.checksumsName, ReleaseBundle.signatureName,
                ] + objects.keys.sorted())
            try manager.moveItem(atPath: temporary, toPath: payload)
            return payload
        } catch let failure as CommandFailure {
            throw failure
        } catch {
            throw CommandFailure(.checkFailed, "release", "cannot pack the upload of release \(release.id): \(error)")
        }
    }

    /// Runs `arguments` (through `env`), failing on a non-zero exit.
    private static func run(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CommandFailure(
                .checkFailed, "release",
                "\(arguments.prefix(2).joined(separator: " ")) failed (exit \(process.terminationStatus)): \(message)")
        }
    }
}
