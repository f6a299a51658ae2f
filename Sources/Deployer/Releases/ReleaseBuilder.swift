import Console
import Crypto
import Foundation
import Migrator
import SSH

/// `deployctl release build`: a release folder made from the checkout (the static loader, the
/// units, the migrations, the smoke SQL), its manifest, checksums and signature.
public struct ReleaseBuilder: Sendable {
    /// The checkout to build from.
    public let checkout: String
    /// The static `qtickets-api` (as `make build` leaves it).
    public let binary: String
    public let store: ReleaseStore
    public let signingKey: SigningKey
    public let allowDirty: Bool

    /// Where `make build` leaves the static loader in `checkout`.
    public static func checkoutBinary(of checkout: String) -> String { checkout + "/.build/static/qtickets-api" }

    /// `binary` defaults to the checkout's own (`checkoutBinary`); any other is recorded as built elsewhere.
    public init(checkout: String, binary: String? = nil, store: ReleaseStore, signingKey: SigningKey, allowDirty: Bool)
    {
        self.checkout = checkout
        self.binary = binary ?? Self.checkoutBinary(of: checkout)
        self.store = store
        self.signingKey = signingKey
        self.allowDirty = allowDirty
    }

    /// Builds the release, or finds it already built (same content, same id).
    ///
    /// - Throws: `CommandFailure`: a dirty tree without `allowDirty`, a missing binary or folder,
    ///   migration files that do not load.
    public func build(actor: String) throws(CommandFailure) -> ReleaseSummary {
        let identity = ReleaseIdentity.of(checkout: checkout)
        if identity.dirty && !allowDirty {
            throw CommandFailure(
                .checkFailed, "dirty",
                "\(checkout) has uncommitted changes: a release must be reproducible from its commit. Commit them, or pass --allow-dirty (the manifest then says dirty)"
            )
        }
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw CommandFailure(
                .invalidConfiguration, "binary", "no static qtickets-api at \(binary): run `make build` first")
        }
        var sources: [(path: String, source: String)] = [(ReleaseBundle.binaryPath, binary)]
        for folder in ReleaseBundle.sourceFolders {
            let directory = checkout + "/" + folder
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
                throw CommandFailure(
                    .invalidConfiguration, "release", "\(directory) is missing: a release carries \(folder)/")
            }
            for name in names.sorted() where !name.hasPrefix(".") {
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: directory + "/" + name, isDirectory: &isDirectory),
                    !isDirectory.boolValue
                {
                    do throws(InvalidPlanValue) {
                        _ = try ReleasePath(folder + "/" + name)
                    } catch {
                        throw error.failure(.invalidConfiguration, "release", directory)
                    }
                    sources.append((folder + "/" + name, directory + "/" + name))
                }
            }
        }
        do {
            _ = try MigrationSet(directory: checkout + "/migrations")
        } catch {
            throw CommandFailure(.invalidConfiguration, "migrations", error.description)
        }
        let files: [ReleaseManifest.File]
        do {
            files = try sources.map { try Self.describe($0.source, as: $0.path) }
        } catch {
            throw CommandFailure(.invalidConfiguration, "release", "cannot read a release file: \(error)")
        }
        let manifest = ReleaseManifest(
            revision: identity.revision, dirty: identity.dirty, builtAt: ISO8601DateFormatter().string(from: Date()),
            builtBy: actor,
            signer: signingKey.fingerprint, files: files, toolchain: Self.toolchain(),
            packageResolved: try? Self.sha256(ofFile: checkout + "/Package.resolved"),
            binaryOrigin: Self.sameFile(binary, Self.checkoutBinary(of: checkout)) ? .checkout : .elsewhere)
        if let existing = store.summary(of: manifest.id) {
            try store.markLastBuilt(manifest.id)
            return existing.withStatus(.alreadyBuilt)
        }
        do {
            try write(manifest, sources: sources)
        } catch {
            throw CommandFailure(.checkFailed, "release", "cannot write the release into \(store.directory): \(error)")
        }
        guard let built = store.summary(of: manifest.id) else {
            throw CommandFailure(
                .checkFailed, "release",
                "the release \(manifest.id) was written but cannot be read back from \(store.directory)")
        }
        try store.markLastBuilt(manifest.id)
        return built.withStatus(.built)
    }

    /// Whether both paths name one file (the same path, or a link to it).
    static func sameFile(_ one: String, _ other: String) -> Bool {
        URL(fileURLWithPath: one).standardizedFileURL.resolvingSymlinksInPath()
            == URL(fileURLWithPath: other).standardizedFileURL.resolvingSymlinksInPath()
    }

    static func describe(_ source: String, as path: String) throws -> ReleaseManifest.File {
        let attributes = try FileManager.default.attributesOfItem(atPath: source)
        let permissions = (attributes[.posixPermissions] as? Int ?? 0o644) & 0o111 != 0 ? "755" : "644"
        return ReleaseManifest.File(
            path: path, sha256: try sha256(ofFile: source), mode: permissions, size: attributes[.size] as? UInt64 ?? 0)
    }

    /// `swift --version`'s first line, or nil when there is no swift on this workstation.
    static func toolchain() -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["swift", "--version"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return output.split(separator: "\n").first.map { $0.trimmingCharacters(in: .whitespaces) }
    }

    static func sha256(ofFile path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw CocoaError(.fileReadNoPermission) }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return hasher.finalize().hexadecimal
    }

    /// Into a temporary folder beside the store's, then renamed: a release folder is complete or absent.
    private func write(_ manifest: ReleaseManifest, sources: [(path: String, source: String)]) throws {
        let manager = FileManager.default
        try manager.createDirectory(atPath: store.directory, withIntermediateDirectories: true)
        let temporary = store.directory + "/.building-\(manifest.id)-\(UUID().uuidString.prefix(8))"
        defer { try? manager.removeItem(atPath: temporary) }
        for (path, source) in sources {
            let target = temporary + "/" + path
            try manager.createDirectory(
                atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try manager.copyItem(atPath: source, toPath: target)
            try manager.setAttributes(
                [.posixPermissions: Int(manifest.file(path)?.mode ?? "644", radix: 8) ?? 0o644], ofItemAtPath: target)
        }
        let manifestData = try manifest.encoded()
        try manifestData.write(to: URL(fileURLWithPath: temporary + "/" + ReleaseBundle.manifestName))
        let checksums = manifest.checksums(manifestSHA256: SHA256.hash(data: manifestData).hexadecimal)
        try Data(checksums.utf8).write(to: URL(fileURLWithPath: temporary + "/" + ReleaseBundle.checksumsName))
        let signature = try signingKey.signature(of: Data(checksums.utf8), namespace: ReleaseBundle.signatureNamespace)
        try Data(signature.utf8).write(to: URL(fileURLWithPath: temporary + "/" + ReleaseBundle.signatureName))
        try Data((manifest.id + "\n").utf8).write(to: URL(fileURLWithPath: temporary + "/" + ReleaseBundle.markerName))
        try manager.moveItem(atPath: temporary, toPath: store.path(of: manifest.id))
    }
}
