import AuditTrail
import ClickHouse
import Console
import Environments
import Foundation

/// A point of a host's audit chain seen from outside the host: its sequence number and the SHA-256
/// of that line. Root on the only host of an environment can rewrite or cut both copies of the
/// chain consistently; it cannot change what a workstation, or a signed verification record, saw.
public struct AuditAnchor: Sendable, Codable, Equatable {
    public let seq: UInt64
    public let sha256: String

    public init(seq: UInt64, sha256: String) {
        self.seq = seq
        self.sha256 = sha256
    }

    /// The head of a chain: its last line, nil for an empty log.
    public static func head(of lines: [String]) -> AuditAnchor? {
        lines.last.map { AuditAnchor(seq: UInt64(lines.count), sha256: AuditLog.sha256($0)) }
    }

    /// How `lines` disagree with this anchor, seen by `source`: cut short, or rewritten up to it.
    public func problem(in lines: [String], source: String) -> String? {
        guard seq <= UInt64(lines.count) else {
            return
                "the chain ends at entry \(lines.count), but \(source) saw entry \(seq) (\(sha256.prefix(12))…): entries were removed from both copies"
        }
        let found = AuditLog.sha256(lines[Int(seq) - 1])
        guard found == sha256 else {
            return
                "entry \(seq) hashes to \(found.prefix(12))…, but \(source) saw \(sha256.prefix(12))…: the chain was rewritten up to there"
        }
        return nil
    }
}

/// The heads of every host's chain this workstation has seen, per environment, in its state folder
/// (`$DEPLOYCTL_STATE_DIR`, else `$XDG_STATE_HOME/deployctl`, else `~/.local/state/deployctl`):
/// `audit-anchors/<env>.json`. Each `audit verify` that found a chain intact, and each `verify`,
/// moves its host's anchor forward.
public struct AuditAnchorStore: Sendable {
    public let directory: String

    public init(stateDirectory: String = Self.defaultStateDirectory) {
        directory = stateDirectory + "/audit-anchors"
    }

    /// The workstation's state folder for deployctl.
    public static var defaultStateDirectory: String {
        let variables = ProcessInfo.processInfo.environment
        if let state = variables["DEPLOYCTL_STATE_DIR"], !state.isEmpty { return state }
        if let xdg = variables["XDG_STATE_HOME"], !xdg.isEmpty { return xdg + "/deployctl" }
        return FileManager.default.homeDirectoryForCurrentUser.path + "/.local/state/deployctl"
    }

    private func file(_ environment: String) -> String { directory + "/\(environment).json" }

    /// The anchors kept for `environment`, by host.
    public func anchors(of environment: String) -> [String: AuditAnchor] {
        guard let data = FileManager.default.contents(atPath: file(environment)) else { return [:] }
        return (try? JSONDecoder().decode([String: AuditAnchor].self, from: data)) ?? [:]
    }

    /// Keeps `heads` as `environment`'s anchors, never moving one back; the file is replaced at once.
    ///
    /// - Throws: `CommandFailure` naming the file when it cannot be written.
    public func record(_ heads: [String: AuditAnchor], of environment: String) throws(CommandFailure) {
        var anchors = anchors(of: environment)
        for (host, head) in heads where head.seq >= (anchors[host]?.seq ?? 0) { anchors[host] = head }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        do {
            let data = try encoder.encode(anchors)
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try data.write(to: URL(fileURLWithPath: file(environment)), options: .atomic)
        } catch {
            throw CommandFailure(
                .checkFailed, "audit", "cannot keep the audit anchors in \(file(environment)): \(error)")
        }
    }
}

extension AuditLog {
    /// The head of each reachable host's chain in `session`, by host.
    public func heads(in session: EnvironmentSession) async -> [String: AuditAnchor] {
        var heads: [String: AuditAnchor] = [:]
        for link in session.links {
            guard case .success(let connection) = link.connection,
                let lines = try? await hostLines(on: connection), let head = AuditAnchor.head(of: lines)
            else { continue }
            heads[link.host.name] = head
        }
        return heads
    }
}

extension VerificationLog {
    /// The audit heads carried by every record stored for this environment that is signed by one
    /// of `trusted`, by host, each with who saw it.
    public func signedAuditHeads(client: ClickHouseClient, trusted: [String]) async -> [(
        host: String, anchor: AuditAnchor, source: String
    )] {
        guard
            let rows = try? await client.using(database: nil).rows(
                "SELECT line FROM \(table) ORDER BY received")
        else { return [] }
        var heads: [(host: String, anchor: AuditAnchor, source: String)] = []
        for row in rows {
            guard let line = row.first ?? nil,
                let record = try? JSONDecoder().decode(VerificationRecord.self, from: Data(line.utf8)),
                let carried = record.auditHeads,
                record.refusal(environment: environment.name, release: record.release, sums: nil, trusted: trusted)
                    == nil
            else { continue }
            for (host, anchor) in carried.sorted(by: { $0.key < $1.key }) {
                heads.append((host, anchor, "the signed verification of \(record.at) by \(record.actor)"))
            }
        }
        return heads
    }
}
