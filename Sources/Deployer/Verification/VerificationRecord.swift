import AuditTrail
import ClickHouse
import Console
import Crypto
import Environments
import Foundation
import HostScripts
import Migrator
import SSH
import Verify

/// What the gate reads: one verification's verdict for one release on one environment, signed by
/// the verifier's key (SSHSIG, namespace `deployctl-verification`), so that nobody who can only
/// write to ClickHouse or to a host (the pipeline's account, root on staging) can forge a pass.
public struct VerificationRecord: Sendable, Codable, Equatable {
    public let environment: String
    public let release: String
    public let passed: Bool
    /// ISO 8601 UTC, and the same instant in seconds since 1970, by the verifier's clock.
    public let at: String
    public let epoch: Int
    public let actor: String
    /// SHA-256 of the JSON report.
    public let reportSHA256: String
    /// The ids of the checks that blocked it.
    public let blocking: [String]
    /// SHA-256 of the release's `SHA256SUMS` as the verified host held it: the full identity of
    /// every file verified, where the release id is 64 bits of it. Nil in records of older versions.
    public let sums: String?
    /// The head of each host's audit chain when the verification ended, by host: anchors `audit
    /// verify` checks the chain against. Nil in records of older versions.
    public let auditHeads: [String: AuditAnchor]?
    /// The verifier key's SHA256 fingerprint and the armored signature of `signedPayload`; nil
    /// until `signed(with:)`.
    public private(set) var signer: String?
    public private(set) var signature: String?

    /// The signature's namespace: a verification signature can never pass for a release's.
    public static let signatureNamespace = "deployctl-verification"

    public init(
        report: VerificationReport, reportSHA256: String, sums: String?, auditHeads: [String: AuditAnchor]? = nil,
        now: Date = Date()
    ) {
        environment = report.environment
        release = report.release ?? ""
        passed = report.passed
        at = ISO8601DateFormatter().string(from: now)
        epoch = Int(now.timeIntervalSince1970)
        actor = report.actor
        self.reportSHA256 = reportSHA256
        blocking = report.blocking.map(\.id)
        self.sums = sums
        self.auditHeads = auditHeads
    }

    /// The record as one JSON line (sorted keys), as stored.
    public func line() throws(CommandFailure) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(self), as: UTF8.self)
        } catch {
            throw CommandFailure(.checkFailed, "verify", "cannot encode the verification record: \(error)")
        }
    }

    /// What the signature covers: the record's line without its signature.
    public func signedPayload() throws(CommandFailure) -> Data {
        var unsigned = self
        unsigned.signature = nil
        return Data(try unsigned.line().utf8)
    }

    /// The record signed by `key`.
    public func signed(with key: SigningKey) throws(CommandFailure) -> VerificationRecord {
        var record = self
        record.signer = key.fingerprint
        record.signature = nil
        let payload = try record.signedPayload()
        do {
            record.signature = try key.signature(of: payload, namespace: Self.signatureNamespace)
        } catch {
            throw CommandFailure(.checkFailed, "verify", "cannot sign the verification record: \(error)")
        }
        return record
    }

    /// Why the gate cannot take this record as `environment`'s verdict on the release whose
    /// `SHA256SUMS` hashes to `sums` (nil: the gate does not hold the release), or nil when it can.
    public func refusal(environment expected: String, release id: String, sums expectedSums: String?, trusted: [String])
        -> String?
    {
        guard let signature else { return "it is not signed" }
        let payload: Data
        do throws(CommandFailure) {
            payload = try signedPayload()
        } catch {
            return error.message
        }
        do throws(SignatureCheck.Refusal) {
            _ = try SignatureCheck.verify(signature, of: payload, namespace: Self.signatureNamespace, trusted: trusted)
        } catch {
            return "its signature is refused: \(error)"
        }
        guard environment == expected else { return "it is a verification of \(environment), not of \(expected)" }
        guard release == id else { return "it is a verification of release \(release), not of \(id)" }
        guard let sums else { return "it does not name the release's SHA256SUMS" }
        if let expectedSums, sums != expectedSums {
            return
                "it verified files whose SHA256SUMS hashes to \(sums.prefix(16))…, not this release's \(expectedSums.prefix(16))…"
        }
        return nil
    }
}

/// Where verification records live on an environment: each host's `shared/verifications.jsonl`
/// and the environment's ClickHouse (`deployctl_verifications`), each also entered in the audit chain.
public struct VerificationLog: Sendable {
    public let environment: Environment
    public let layout: HostLayout

    public init(environment: Environment) {
        self.environment = environment
        layout = HostLayout(environment)
    }

    var table: String {
        "\(ClickHouseSQL.identifier(environment.clickhouse.stateDatabase)).\(ClickHouseSQL.identifier(Verification.table))"
    }

    /// SHA-256 of the `SHA256SUMS` of the release `current` names on the first reachable host of
    /// `session`: what a verification record says it verified.
    public func currentChecksums(in session: EnvironmentSession) async throws(CommandFailure) -> String {
        guard let connection = session.links.lazy.compactMap({ try? $0.connection.get() }).first else {
            throw CommandFailure(.unreachable, "verify", "no host of \(environment.name) is reachable")
        }
        do throws(SSHError) {
            let sums = try await connection.read(contentsOf: layout.current + "/" + ReleaseBundle.checksumsName)
            return SHA256.hash(data: sums).hexadecimal
        } catch {
            throw CommandFailure(
                .checkFailed, "verify",
                "\(connection.label): cannot read \(layout.current)/\(ReleaseBundle.checksumsName), which the verification record names: \(error)"
            )
        }
    }

    /// SHA-256 of a release folder's `SHA256SUMS`, or nil when it cannot be read.
    public static func checksums(ofReleaseAt path: String) -> String? {
        FileManager.default.contents(atPath: path + "/" + ReleaseBundle.checksumsName).map {
            SHA256.hash(data: $0).hexadecimal
        }
    }

    /// Stores `record` on every host of `session` and in ClickHouse, with an audit entry each.
    public func store(_ record: VerificationRecord, in session: EnvironmentSession) async throws(CommandFailure) {
        let line = try record.line()
        let clickhouse = try? await session.clickhouse(as: .admin)
        if let clickhouse {
            let insert =
                "INSERT INTO \(table) (release, passed, at, line) SELECT \(ClickHouseSQL.literal(record.release)), \(record.passed ? 1 : 0), "
                + "toDateTime(\(record.epoch)), \(ClickHouseSQL.literal(line))"
            do throws(ClickHouseError) {
                try await clickhouse.using(database: nil).execute(
                    "CREATE TABLE IF NOT EXISTS \(table) (release String, passed UInt8, at DateTime, line String, received DateTime DEFAULT now()) ENGINE = MergeTree ORDER BY (release, at)"
                )
                // Tables of older versions: the time the server received a record orders them.
                try await clickhouse.using(database: nil).execute(
                    "ALTER TABLE \(table) ADD COLUMN IF NOT EXISTS received DateTime DEFAULT now()")
                try await clickhouse.using(database: nil).execute(insert)
            } catch {
                throw CommandFailure(
                    .checkFailed, "verify", "the verification record could not be stored in ClickHouse: \(error)")
            }
        }
        for link in session.links {
            guard case .success(let connection) = link.connection else { continue }
            try await HostScript(host: connection).require(
                .verificationAppend, [layout.shared, line], step: "storing the verification record")
            try await AuditLog(layout: layout, database: environment.clickhouse.stateDatabase).append(
                AuditRecord(
                    command: "verify", environment: environment.name, host: link.host.name, actor: record.actor,
                    release: record.release,
                    result: record.passed ? "passed" : "failed", seconds: 0, changes: [],
                    detail: "report sha256 \(record.reportSHA256)"),
                on: connection, clickhouse: clickhouse)
        }
    }

    /// A record as the environment's ClickHouse holds it: the line, and the server's clock when it
    /// received the line and now (seconds since 1970).
    public struct Stored: Sendable, Equatable {
        public let line: String
        public let received: Int
        public let now: Int

        public init(line: String, received: Int, now: Int) {
            self.line = line
            self.received = received
            self.now = now
        }
    }

    /// Every record for `release`, the last received first, from the environment's ClickHouse.
    public func records(for release: String, client: ClickHouseClient) async throws(ClickHouseError) -> [Stored] {
        do throws(ClickHouseError) {
            let rows = try await client.using(database: nil).rows(
                "SELECT line, toUnixTimestamp(received), toUnixTimestamp(now()) FROM \(table) "
                    + "WHERE release = \(ClickHouseSQL.literal(release)) ORDER BY received DESC, at DESC")
            return rows.compactMap { row in
                guard row.count == 3, let line = row[0], let received = row[1].flatMap({ Int($0) }),
                    let now = row[2].flatMap({ Int($0) })
                else { return nil }
                return Stored(line: line, received: received, now: now)
            }
        } catch  where error.isMissingTable {
            return []
        } catch  where error.code == 47 {
            // A table of an older version, which stored no record this version can accept.
            return []
        }
    }
}
