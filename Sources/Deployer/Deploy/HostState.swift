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

    /// Reads the state of `host` for `units` (the union of the target's and whatever else to look at).
    static func read(on host: any RemoteHost, layout: HostLayout, units: [String]) async throws(CommandFailure)
        -> HostState
    {
        var lines = [
            "root=\(layout.root.shellQuoted)",
            "c=$(readlink \"$root/current\" 2>/dev/null || true); [ -z \"$c\" ] || echo \"current=${c##*/}\"",
            "[ ! -f \(layout.shared.shellQuoted)/previous ] || echo \"previous=$(cat \(layout.shared.shellQuoted)/previous)\"",
            "for d in \"$root\"/releases/*/; do [ -f \"$d/RELEASE\" ] && echo \"release=$(basename \"$d\")\"; done 2>/dev/null || true",
            "if [ -f \"$root/current/manifest.json\" ]; then for f in \"$root\"/current/systemd/*; do [ -f \"$f\" ] && echo \"currentunit=${f##*/}\"; done; fi",
            "if [ -f \"$root/current/manifest.json\" ]; then echo '<<manifest'; cat \"$root/current/manifest.json\"; echo '>>manifest'; fi",
            "[ ! -f \(layout.lockFile.shellQuoted) ] || echo \"lock=$(cat \(layout.lockFile.shellQuoted))\"",
            "d=\"$root\"; while [ ! -e \"$d\" ]; do d=$(dirname \"$d\"); done; echo \"free=$(df -Pk \"$d\" | awk 'NR==2 {print $4}')\"",
            "echo \"now=$(date +%s)\"",
        ]
        for unit in units {
            let path = layout.unitPath(unit).shellQuoted
            let dropIn = layout.dropIn(for: unit).shellQuoted
            lines.append(
                "if [ -f \(path) ]; then echo \"unit:\(unit)=$(sha256sum < \(path) | cut -c1-64)\"; echo '<<text:\(unit)'; cat \(path); echo; echo '>>text:\(unit)'; fi"
            )
            lines.append(
                "if [ -f \(dropIn) ]; then echo \"dropin:\(unit)=$(sha256sum < \(dropIn) | cut -c1-64)\"; echo '<<droptext:\(unit)'; cat \(dropIn); echo; echo '>>droptext:\(unit)'; fi"
            )
        }
        let answer = ScriptAnswer(
            try await HostScript(host: host).require(lines.joined(separator: "\n"), step: "reading the host's state")
                .stdoutText)
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
