import Console
import Foundation
import HostScripts
import SSH

/// What one host runs now, read in one round trip: the release `current` points at and the one
/// before it, the releases present, the installed units and deployctl's drop-ins (their hashes),
/// the deploy lock, the env file's owner and mode, the free space at the root.
public struct HostState: Sendable, Encodable {
    /// The release id `current` points at.
    public let current: String?
    /// The release deployed before `current` (`shared/previous`).
    public let previous: String?
    /// Complete releases under `releases/`, by id.
    public let releases: [String]
    /// SHA-256 of each installed unit file that the target or current release ships, by unit name.
    public let unitHashes: [String: String]
    /// SHA-256 of deployctl's drop-in for each unit, by unit name.
    public let dropInHashes: [String: String]
    /// The installed unit files' texts, for the plan's diffs.
    public let unitTexts: [String: String]
    public let dropInTexts: [String: String]
    /// The units the current release shipped (from its folder on the host).
    public let currentUnits: [String]
    /// The current release's manifest, as the host holds it.
    public let currentManifest: ReleaseManifest?
    public let lock: HostLease.Holder?
    /// Seconds since 1970 by the host's clock.
    public let now: Int
    public let freeBytes: UInt64
    /// What a deploy sends when the host lacks the release (asked only then).
    public var transfer: ReleaseTransfer? = nil

    /// Reads the state of `host` for `units` (the union of the target's and whatever else to look at).
    static func read(on host: any RemoteHost, layout: HostLayout, units: [String]) async throws(CommandFailure)
        -> HostState
    {
        let answer = ScriptAnswer(
            try await HostScript(host: host).require(
                .hostState, [layout.root, layout.lockFile, layout.unitsDirectory, DropInFile.name] + units,
                step: "reading the host's state"
            ).stdoutText)
        return HostState(
            current: answer["current"], previous: answer["previous"], releases: answer.all("release"),
            unitHashes: answer.named("unit:"),
            dropInHashes: answer.named("dropin:"), unitTexts: answer.named("text:"),
            dropInTexts: answer.named("droptext:"), currentUnits: answer.all("currentunit"),
            currentManifest: answer["manifest"].flatMap {
                try? JSONDecoder().decode(ReleaseManifest.self, from: Data($0.utf8))
            },
            lock: answer["lock"].flatMap { try? JSONDecoder().decode(HostLease.Holder.self, from: Data($0.utf8)) },
            now: Int(answer["now"] ?? "") ?? 0, freeBytes: (UInt64(answer["free"] ?? "") ?? 0) * 1024)
    }
}
