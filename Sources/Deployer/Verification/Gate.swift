import ClickHouse
import Console
import Environments
import Foundation

/// Production takes only a release that passed on staging: `[gate] require_passed_on` names the
/// environment whose newest verification of the same release fingerprint must have passed, within
/// `max_report_age_hours`, after the release ran there for `min_soak_minutes`. A later failed
/// verification of the release revokes the pass. An unreachable staging keeps the gate closed.
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

    /// Reads staging's records for `release` and decides.
    public func decide(release: String, now: Date = Date()) async -> Decision {
        func decision(_ open: Bool, _ reason: String, _ newest: VerificationRecord? = nil) -> Decision {
            Decision(
                environment: environment.name, stagingEnvironment: staging.name, release: release, open: open,
                reason: reason, newest: newest)
        }
        let session = await EnvironmentSession.open(staging, hosts: [staging.clickhouseHost])
        defer { session.close() }
        let client: ClickHouseClient
        do throws(ClickHouseAccessError) {
            client = try await session.clickhouse(as: .admin, timeout: .seconds(30))
        } catch {
            return decision(false, "\(staging.name) cannot be reached, so the gate stays closed: \(error)")
        }
        let records: [VerificationRecord]
        do throws(ClickHouseError) {
            records = try await VerificationLog(environment: staging).records(for: release, client: client)
        } catch {
            return decision(
                false, "\(staging.name)'s verification records cannot be read, so the gate stays closed: \(error)")
        }
        guard let newest = records.first else {
            return decision(
                false,
                "release \(release) has never been verified on \(staging.name): run `deployctl deploy \(staging.name) --release \(release)` and `deployctl verify \(staging.name)`"
            )
        }
        guard newest.passed else {
            let revoked = records.dropFirst().contains(where: \.passed) ? " (it revokes an earlier pass)" : ""
            return decision(
                false,
                "the newest verification of \(release) on \(staging.name), \(newest.at) by \(newest.actor), failed\(revoked): \(newest.blocking.joined(separator: ", "))",
                newest)
        }
        let age = now.timeIntervalSince1970 - Double(newest.epoch)
        let maxAge = Double(gate.maxReportAge.components.seconds)
        guard age <= maxAge else {
            return decision(
                false,
                String(
                    format:
                        "the passing verification of %@ on %@ is %.1f h old; the gate accepts up to %.0f h: verify %@ again",
                    release, staging.name, age / 3600, maxAge / 3600, staging.name), newest)
        }
        if gate.minSoak > .zero {
            let soak = Double(gate.minSoak.components.seconds)
            let deployed = try? await client.using(database: nil).value(
                "SELECT toUnixTimestamp(min(recorded)) FROM \(ClickHouseSQL.identifier(staging.clickhouse.database)).\(ClickHouseSQL.identifier(AuditLog.table)) "
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
            "release \(release) passed on \(staging.name) at \(newest.at) (by \(newest.actor), report \(newest.reportSHA256.prefix(12))…)",
            newest)
    }
}
