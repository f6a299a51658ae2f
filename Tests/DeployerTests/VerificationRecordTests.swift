import Deployer
import Environments
import Foundation
import SSH
import Testing

/// The gate's trust in a verification record, without ClickHouse: what a signature covers, whose
/// signatures count, and how the server's receive time orders and ages records.
@Suite("verification records: signed, and judged by the gate")
struct VerificationRecordTests {
    static let verifier = SigningKey(comment: "verifier@test")
    static let sums = String(repeating: "ab", count: 32)

    /// A passing record of `release` on museshow, signed by `key` (nil: unsigned).
    static func record(
        passed: Bool = true, environment: String = "museshow", release: String = "0123456789abcdef", epoch: Int,
        key: SigningKey? = verifier
    ) throws -> VerificationRecord {
        let line = """
            {"actor":"anna@ws","at":"t","blocking":[],"environment":"\(environment)","epoch":\(epoch),"passed":\(passed),"release":"\(release)","reportSHA256":"r","sums":"\(sums)"}
            """
        let record = try JSONDecoder().decode(VerificationRecord.self, from: Data(line.utf8))
        return try key.map { try record.signed(with: $0) } ?? record
    }

    static func stored(_ record: VerificationRecord, received: Int, now: Int) throws -> VerificationLog.Stored {
        VerificationLog.Stored(line: try record.line(), received: received, now: now)
    }

    /// An environment named `name`, with `extra` at its end.
    static func environment(_ name: String, role: String, extra: String = "") throws -> Environment {
        try Environment.parse(
            """
            role = "\(role)"
            [ssh]
            user = "etl"
            [[hosts]]
            name = "\(name)"
            address = "203.0.113.10"
            [app]
            root = "/opt/zakaz_dashboard"
            user = "etl"
            env_file = "/opt/zakaz_dashboard/secrets/.env.qtickets_api"
            [clickhouse]
            runs_as = "systemd"
            unit = "clickhouse-server.service"
            [clickhouse.admin]
            user = "admin"
            password = { env = "CH_ADMIN_PASSWORD" }
            [clickhouse.writer]
            user = "etl_writer"
            password = { env = "CH_WRITER_PASSWORD" }
            \(extra)
            """, name: name, sourcePath: "environments/\(name).toml")
    }

    static func gate(trusting keys: [String] = [verifier.publicKeyLine]) throws -> Gate {
        let production = try environment(
            "client-prod", role: "production", extra: "[gate]\nrequire_passed_on = \"museshow\"")
        var gate = try #require(production.gate)
        gate.trustedVerifiers = keys
        return Gate(environment: production, staging: try environment("museshow", role: "staging"), gate: gate)
    }

    @Test("a signed record is taken; one whose verdict, environment or files were changed after signing is not")
    func signatureCoversEveryField() throws {
        let record = try Self.record(epoch: 1000)
        let trusted = [Self.verifier.publicKeyLine]
        #expect(
            record.refusal(environment: "museshow", release: record.release, sums: Self.sums, trusted: trusted) == nil)
        let flipped = try record.line().replacingOccurrences(of: "\"passed\":true", with: "\"passed\":false")
        let forged = try JSONDecoder().decode(VerificationRecord.self, from: Data(flipped.utf8))
        #expect(
            forged.refusal(environment: "museshow", release: record.release, sums: Self.sums, trusted: trusted)?
                .contains("signature is refused") == true)
        #expect(
            record.refusal(environment: "client-prod", release: record.release, sums: Self.sums, trusted: trusted)
                == "it is a verification of museshow, not of client-prod")
        #expect(
            record.refusal(environment: "museshow", release: "fedcba9876543210", sums: Self.sums, trusted: trusted)?
                .contains("not of fedcba9876543210") == true)
        #expect(
            record.refusal(
                environment: "museshow", release: record.release, sums: String(repeating: "cd", count: 32),
                trusted: trusted)?.contains("not this release's") == true, "the same id, other files")
        #expect(
            try Self.record(epoch: 1000, key: nil).refusal(
                environment: "museshow", release: record.release, sums: Self.sums, trusted: trusted)
                == "it is not signed")
        let stranger = try Self.record(epoch: 1000, key: SigningKey(comment: "mallory@etl"))
        #expect(
            stranger.refusal(environment: "museshow", release: record.release, sums: Self.sums, trusted: trusted)?
                .contains("not a trusted key") == true)
    }

    @Test(
        "the gate orders records by the server's receipt, ignores forged and unsigned ones, and refuses a record dated after its receipt"
    )
    func gateTakesOnlyTrustedRecordsInReceiptOrder() throws {
        let gate = try Self.gate()
        let release = "0123456789abcdef"
        let pass = try Self.record(epoch: 10_000)
        let fail = try Self.record(passed: false, epoch: 9_000)
        let forged = try Self.record(epoch: 20_000, key: SigningKey(comment: "mallory@etl"))
        let future = try Self.record(epoch: 12_000)
        let judged = gate.accepted(
            [
                try Self.stored(forged, received: 20_000, now: 20_100),
                try Self.stored(future, received: 11_000, now: 20_100),
                try Self.stored(fail, received: 10_500, now: 20_100),
                try Self.stored(pass, received: 10_000, now: 20_100),
            ], release: release, sums: Self.sums)
        #expect(judged.accepted.map(\.record) == [fail, pass], "a failure received after the pass revokes it")
        #expect(judged.refused.count == 2)
        #expect(judged.refused[0].contains("not a trusted key"))
        #expect(judged.refused[1].contains("1000 s after museshow's ClickHouse received it"))
    }

    @Test("without [gate] trusted_verifiers the gate trusts the environment's release keys")
    func verifiersDefaultToReleaseKeys() throws {
        var gate = try Self.gate(trusting: [])
        #expect(gate.trustedVerifiers.isEmpty)
        gate = Gate(
            environment: {
                var environment = gate.environment
                environment.app.trustedReleaseKeys = [Self.verifier.publicKeyLine]
                return environment
            }(), staging: gate.staging, gate: gate.gate)
        #expect(gate.trustedVerifiers == [Self.verifier.publicKeyLine])
    }
}
