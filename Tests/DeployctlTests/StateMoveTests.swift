import ClickHouse
import Foundation
import Testbed
import Testing

@Suite("deployctl's bookkeeping in its own database, out of the pipeline account's reach", .serialized)
struct StateMoveTests {
    static let host = DeployFixture.host
    static let tables = ["deployctl_migrations", "deployctl_migration_lock", "deployctl_audit"]

    @Test(
        "an install whose bookkeeping an older deployctl left in zakaz is refused until `migrate move-state` moves it, history and audit chain intact"
    )
    func moveState() async throws {
        let fixture = try await DeployFixture()
        do {
            #expect(try fixture.deployctl(["setup", Self.host]).status == 0)
            let up = try fixture.deployctl(["migrate", "up", Self.host])
            #expect(up.status == 0, "\(up.stdout)\(up.stderr)")
            // The server's tunnel lives as long as this value.
            let server = try ClickHouseServer.modern(on: Self.host)
            let admin = ClickHouseClient(endpoint: server.admin)
            try await admin.execute(
                "RENAME TABLE " + Self.tables.map { "deployctl.\($0) TO zakaz.\($0)" }.joined(separator: ", "))

            let refused = try fixture.deployctl(["migrate", "status", Self.host])
            #expect(
                refused.status == 1
                    && refused.stderr.contains("deployctl's bookkeeping is still in the pipeline's database zakaz")
                    && refused.stderr.contains("`deployctl migrate move-state \(Self.host)`"),
                "\(refused.stdout)\(refused.stderr)")
            let planned = try fixture.deployctl(["migrate", "move-state", Self.host, "--dry-run"])
            #expect(
                planned.status == 0
                    && planned.stdout.contains(
                        "would move \(Self.tables.joined(separator: ", ")) from zakaz into deployctl (dry run"),
                "\(planned.stdout)\(planned.stderr)")
            #expect(try await admin.value("EXISTS TABLE zakaz.deployctl_migrations") == "1", "a dry run moves nothing")

            let moved = try fixture.deployctl(["migrate", "move-state", Self.host])
            #expect(
                moved.status == 0 && moved.stdout.contains("moved \(Self.tables.joined(separator: ", "))"),
                "\(moved.stdout)\(moved.stderr)")
            let status = try fixture.deployctl(["--json", "migrate", "status", Self.host])
            #expect(status.status == 0, "\(status.stdout)\(status.stderr)")
            #expect(!status.stdout.contains("pending"), "the history came along: \(status.stdout)")
            let audit = try fixture.deployctl(["audit", "verify", Self.host])
            #expect(audit.status == 0, "the chain, with the move's own entry: \(audit.stdout)\(audit.stderr)")
            let again = try fixture.deployctl(["migrate", "move-state", Self.host])
            #expect(again.status == 0 && again.stdout.contains("nothing to move"), "\(again.stdout)")
        } catch {
            Issue.record(error)
        }
        await fixture.cleanup()
    }

    @Test(
        "the pipeline's ClickHouse account marking a migration applied in deployctl's history is refused by ClickHouse")
    func writerCannotForgeMigrationHistory() async throws {
        let fixture = try await DeployFixture()
        do {
            let up = try fixture.deployctl(["migrate", "up", Self.host])
            #expect(up.status == 0, "\(up.stdout)\(up.stderr)")
            let server = try ClickHouseServer.modern(on: Self.host)
            let writer = ClickHouseClient(endpoint: try #require(server.writer))
            for statement in [
                "INSERT INTO deployctl.deployctl_migrations (version, slug, kind, statement, statement_hash, checksum, release, actor, detail, duration_ms, at) "
                    + "SELECT 99, 'never_ran', 'applied', 0, '', '', 'r0', 'mallory@etl', '', 0, 0",
                "INSERT INTO deployctl.deployctl_migration_lock (lock_id, owner, event, acquired_at, expires_at, reason) "
                    + "SELECT 'x', 'mallory@etl', 'break', now(), now(), ''",
            ] {
                await #expect {
                    try await writer.execute(statement)
                } throws: {
                    ($0 as? ClickHouseError)?.isAccessDenied == true
                }
            }
        } catch {
            Issue.record(error)
        }
        await fixture.cleanup()
    }
}
