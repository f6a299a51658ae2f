import Console
import Foundation

/// The releases built on this workstation: one folder per release id under `directory`
/// (default `.deployctl/releases` in the checkout, or `$DEPLOYCTL_RELEASES`).
public struct ReleaseStore: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// The store of the checkout at `checkout`, unless `DEPLOYCTL_RELEASES` names another folder.
    public static func of(checkout: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        -> ReleaseStore
    {
        ReleaseStore(
            directory: environment["DEPLOYCTL_RELEASES"].flatMap { $0.isEmpty ? nil : $0 } ?? checkout
                + "/.deployctl/releases")
    }

    public func path(of id: String) -> String { directory + "/" + id }

    /// The manifest of release `id`, if it is in the store.
    public func manifest(of id: String) -> ReleaseManifest? {
        guard let data = FileManager.default.contents(atPath: path(of: id) + "/" + ReleaseBundle.manifestName) else {
            return nil
        }
        return try? JSONDecoder().decode(ReleaseManifest.self, from: data)
    }

    func summary(of id: String) -> ReleaseSummary? {
        manifest(of: id).map { ReleaseSummary(manifest: $0, path: path(of: id), status: .stored) }
    }

    /// Every release in the store, newest build first.
    public func all() -> [ReleaseSummary] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { !$0.hasPrefix(".") }.compactMap(summary(of:)).sorted {
            $0.manifest.builtAt > $1.manifest.builtAt
        }
    }

    /// The release the last `release build` into this store made or found the same (kept in
    /// `.last-build`), while the store still holds it: what a user who builds and then deploys
    /// means, even when the newest build in the store came from another checkout.
    var lastBuilt: ReleaseSummary? {
        guard let data = FileManager.default.contents(atPath: directory + "/.last-build"),
            let id = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
            (try? ReleaseID(id)) != nil
        else { return nil }
        return summary(of: id)
    }

    /// Records `id` as the release the last build made or found.
    func markLastBuilt(_ id: String) throws(CommandFailure) {
        do {
            try Data((id + "\n").utf8).write(to: URL(fileURLWithPath: directory + "/.last-build"), options: .atomic)
        } catch {
            throw CommandFailure(
                .checkFailed, "release", "cannot record \(id) as the last build in \(directory): \(error)")
        }
    }

    /// Release `id` (or a prefix of it), or (nil) the last one built (`lastBuilt`), else the
    /// newest in the store.
    ///
    /// - Throws: `CommandFailure` (invalid configuration) when there is no such release.
    public func release(_ id: String?) throws(CommandFailure) -> ReleaseSummary {
        if let id {
            guard let found = summary(of: id) ?? all().first(where: { $0.manifest.id.hasPrefix(id) }) else {
                throw CommandFailure(
                    .invalidConfiguration, "release",
                    "no release \(id) in \(directory) (`deployctl release list` shows them)")
            }
            return found
        }
        if let lastBuilt { return lastBuilt }
        guard let newest = all().first else {
            throw CommandFailure(
                .invalidConfiguration, "release", "no release in \(directory): build one with `deployctl release build`"
            )
        }
        return newest
    }
}

/// One local release and what `release build` did about it.
public struct ReleaseSummary: CommandOutput {
    public enum Status: String, Sendable, Encodable {
        case built, alreadyBuilt = "already-built", stored
    }

    public let manifest: ReleaseManifest
    public let path: String
    public let status: Status

    func withStatus(_ status: Status) -> ReleaseSummary {
        ReleaseSummary(manifest: manifest, path: path, status: status)
    }

    public var id: String { manifest.id }

    public func render(_ terminal: Terminal) -> String {
        let size = manifest.files.reduce(0) { $0 + $1.size }
        let origin =
            (manifest.revision ?? "no git revision") + (manifest.dirty ? " (dirty)" : "")
            + (manifest.binaryOrigin == .elsewhere ? "; qtickets-api built elsewhere (--binary)" : "")
        let verb = status == .alreadyBuilt ? "already built (same content)" : status.rawValue
        return """
            release \(terminal.bold(manifest.id)) \(verb)
              from     \(origin), built \(manifest.builtAt) by \(manifest.builtBy)
              files    \(manifest.files.count) (\(String(format: "%.1f", Double(size) / 1_048_576)) MiB): \(manifest.units.count) unit(s), \
            \(manifest.files.filter { $0.path.hasPrefix("migrations/") }.count) migration file(s), \
            \(manifest.files.filter { $0.path.hasPrefix("checks/") }.count) smoke check(s)
              signed   \(manifest.signer)
              built    with \(manifest.toolchain ?? "an unrecorded toolchain"), Package.resolved \(manifest.packageResolved.map { "sha256 " + $0.prefix(12) + "…" } ?? "not recorded")
              at       \(path)
            """
    }
}

/// `deployctl release list`.
public struct ReleaseList: CommandOutput {
    public let directory: String
    public let releases: [ReleaseSummary]
    /// The release `deploy`, `gate status` and the like take without `--release`.
    public let defaultRelease: String?

    public init(store: ReleaseStore) {
        directory = store.directory
        releases = store.all()
        defaultRelease = (try? store.release(nil))?.manifest.id
    }

    public func render(_ terminal: Terminal) -> String {
        if releases.isEmpty { return "no releases in \(directory): build one with `deployctl release build`" }
        let table = Terminal.table(
            [["", "release", "revision", "built (UTC)", "by", "files"]]
                + releases.map {
                    [
                        $0.manifest.id == defaultRelease ? "*" : "", $0.manifest.id,
                        ($0.manifest.revision ?? "-") + ($0.manifest.dirty ? "+dirty" : ""), $0.manifest.builtAt,
                        $0.manifest.builtBy, String($0.manifest.files.count),
                    ]
                })
        return table + "\n* the default of `deploy` and `gate status` without --release: the last `release build`"
    }
}
