import ClickHouse
import Console
import Environments
import Foundation

/// Production takes only a release that passed on staging: `[gate] require_passed_on` names the
/// environment whose newest verification of the same release must have passed, within
/// `max_report_age_hours`, after the release ran there for `min_soak_minutes`. Only records signed
/// by a trusted verifier, about that environment and the release's exact files, count; they are
/// ordered, and aged, by the time staging's ClickHouse received them, and one dated after that is
/// refused. A later failed verification of the release revokes the pass. An unreachable staging
/// keeps the gate closed.
public struct Gate: Sendable {
    public let environment: Environment
    public let staging: Environment
    public let gate: Environment.Gate

    public init(environment: Environment, staging: Environment, gate: Environment.Gate) {
        self.environment = environment
        self.staging = staging
        self.gate = gate
    }

    /// What the gate sees for one release.
    public struct Decision: CommandOutput {
        public let environment: String
        public let stagingEnvironment: String
        public let release: String
        public let open: Bool
        public let reason: String
        public let newest: VerificationRecord?

        public var verdict: Verdict { open ? .success : .checkFailed }
        public var failureSummary: String { reason }

        public func render(_ terminal: Terminal) -> String {
            let state = open ? terminal.paint("open", "32;1") : terminal.paint("closed", "31;1")
            return "gate of \(environment) for release \(release): \(state)\n  \(reason)"
        }
    }

    /// The keys whose verification records the gate accepts: `[gate] trusted_verifiers`, else the
    /// environment's `[app] trusted_release_keys`.
    public var trustedVerifiers: [String] {
        gate.trustedVerifiers.isEmpty ? environment.app.trustedReleaseKeys : gate.trustedVerifiers
    }

    /// How far a record's own time may lie ahead of the server's receipt of it (clock skew).
    static let skew = 300

    /// The records the gate can take, the last received first, and why each other one is refused:
    /// unsigned, signed by an untrusted key, about another environment or other files, or dated
    /// after the server received it.
    public func accepted(_ stored: [VerificationLog.Stored], release: String, sums: String?) -> (
        accepted: [(record: VerificationRecord, stored: VerificationLog.Stored)], refused: [String]
    ) {
        var accepted: [(record: VerificationRecord, stored: VerificationLog.Stored)] = []
        var refused: [String] = []
        for entry in stored {
            guard let record = try? JSONDecoder().decode(VerificationRecord.self, from: Data(entry.line.utf8)) else {
                refused.append("a record that is not a verification record")
                continue
            }
            if let why = record.refusal(
                environment: staging.name, release: release, sums: sums, trusted: trustedVerifiers)
            {
                refused.append("the record of \(record.at) by \(record.actor): \(why)")
            } else if record.epoch > entry.received + Self.skew {
                refused.append(
                    "the record of \(record.at) by \(record.actor) is dated \(record.epoch - entry.received) s after \(staging.name)'s ClickHouse received it: a record from the future is not taken"
                )
            } else {
                accepted.append((record, entry))
            }
        }
        return (accepted, refused)
    }

    /// Reads staging's records for `release` and decides. `sums` is the SHA-256 of the release's
    /// `SHA256SUMS` when this workstation holds it: a record must name the same.
    public func decide(release: String, sums: String?) async -> Decision {
        func decision(_ open: Bool, _ reason: String, _ newest: VerificationRecord? = nil) -> Decision {
            Decision(
                environment: environment.name, stagingEnvironment: staging.name, release: release, open: open,
                reason: reason, newest: newest)
        }
        guard !trustedVerifiers.isEmpty else {
            return decision(
                false,
                "\(environment.sourcePath): no key is trusted to sign verifications: set [gate] trusted_verifiers (or [app] trusted_release_keys)"
            )
        }
        let session = await EnvironmentSession.open(staging, hosts: [staging.clickhouseHost])
        defer { session.close() }
        let client: ClickHouseClient
        do throws(ClickHouseAccessError) {
            client = try await session.clickhouse(as: .admin, timeout: .seconds(30))
        } catch {
            return decision(false, "\(staging.name) cannot be reached, so the gate stays closed: \(error)")
        }
        let stored: [VerificationLog.Stored]
        do throws(ClickHouseError) {
            stored = try await VerificationLog(environment: staging).records(for: release, client: client)
        } catch {
            return decision(
                false, "\(staging.name)'s verification records cannot be read, so the gate stays closed: \(error)")
        }
        let (records, refused) = accepted(stored, release: release, sums: sums)
        let ignored =
            refused.isEmpty
            ? "" : " (\(refused.count) record(s) not taken; the last received: \(refused[0]))"
        guard let (newest, entry) = records.first.map({ ($0.record, $0.stored) }) else {
            let never =
                stored.isEmpty
                ? "has never been verified on \(staging.name)"
                : "has no verification on \(staging.name) the gate can take\(ignored)"
            return decision(
                false,
                "release \(release) \(never): run `deployctl deploy \(staging.name) --release \(release)` and `deployctl verify \(staging.name)`"
            )
        }
        guard newest.passed else {
            let revoked = records.dropFirst().contains(where: \.record.passed) ? " (it revokes an earlier pass)" : ""
            return decision(
                false,
                "the newest verification of \(release) on \(staging.name), \(newest.at) by \(newest.actor), failed\(revoked): \(newest.blocking.joined(separator: ", "))",
                newest)
        }
        let age = Double(entry.now - entry.received)
        let maxAge = Double(gate.maxReportAge.components.seconds)
        guard age <= maxAge else {
            return decision(
                false,
                String(
                    format:
                        "the passing verification of %@ on %@ is %.1f h old; the gate accepts up to %.0f h: verify %@ again",
                    release, staging.name, age / 3600, maxAge / 3600, staging.name), newest)
        }
        let now = Date(timeIntervalSince1970: TimeInterval(entry.now))
        if gate.minSoak > .zero {
            let soak = Double(gate.minSoak.components.seconds)
            let deployed = try? await client.using(database: nil).value(
                "SELECT toUnixTimestamp(min(recorded)) FROM \(ClickHouseSQL.identifier(staging.clickhouse.stateDatabase)).\(ClickHouseSQL.identifier(AuditLog.table)) "
                    + "WHERE position(line, '\"command\":\"deploy\"') > 0 AND position(line, \(ClickHouseSQL.literal("\"release\":\"\(release)\""))) > 0 "
                    + "AND position(line, '\"result\":\"ok\"') > 0")
            let since = Double(deployed ?? "") ?? 0
            let ran = since > 0 ? now.timeIntervalSince1970 - since : 0
            guard since > 0, ran >= soak else {
                return decision(
                    false,
                    String(
                        format: "release %@ has run on %@ for %.0f min; the gate wants %.0f min of soak", release,
                        staging.name, ran / 60, soak / 60), newest)
            }
        }
        return decision(
            true,
            "release \(release) passed on \(staging.name) at \(newest.at) (by \(newest.actor), signed by \(newest.signer ?? "?"), report \(newest.reportSHA256.prefix(12))…)\(ignored)",
            newest)
    }
}

extension Environment {
    /// The keys whose signatures on this environment's own verification records count when its
    /// audit chain is checked: its gate's verifiers and its release keys.
    public var verificationKeys: [String] { (gate?.trustedVerifiers ?? []) + app.trustedReleaseKeys }
}
