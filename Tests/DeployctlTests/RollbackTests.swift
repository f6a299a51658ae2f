import ClickHouse
import Foundation
import Testbed
import Testing

/// Rollback by hand and by itself, on prod2: units, `current` and the schema go back together, and
/// the output says what was restored.
@Suite("deployctl rollback and the automatic rollback, on a testbed host", .serialized)
struct RollbackTests {
    static let host = DeployFixture.host

    /// A release of the repository plus `migrations` (file name: text) and, when `failingLoader`, a
    /// loader unit whose run fails (`ExecStartPre=/bin/false`).
    static func release(_ fixture: DeployFixture, migrations: [String: String], failingLoader: Bool = false) throws
        -> String
    {
        let checkout = try fixture.checkout { path in
            for (name, text) in migrations {
                try text.write(toFile: path + "/migrations/" + name, atomically: true, encoding: .utf8)
            }
            if failingLoader {
                let unit = path + "/systemd/qtickets_api.service"
                try String(contentsOfFile: unit, encoding: .utf8).replacingOccurrences(
                    of: "[Service]\n", with: "[Service]\nExecStartPre=/bin/false\n"
                )
                .write(toFile: unit, atomically: true, encoding: .utf8)
            }
        }
        return try DeployTests.buildID(
            fixture,
            [
                "--checkout", checkout, "--binary",
                Testbed.repository.appendingPathComponent(".build/static/qtickets-api").path,
            ])
    }

    static let view = [
        "0009_probe_view.up.sql": "CREATE VIEW IF NOT EXISTS v_rollback_probe AS SELECT 1 AS x;\n",
        "0009_probe_view.down.sql": "DROP VIEW IF EXISTS v_rollback_probe;\n",
    ]
    static let table = [
        "0010_probe_table.up.sql":
            "CREATE TABLE IF NOT EXISTS rollback_probe (x UInt8) ENGINE = MergeTree ORDER BY x;\n",
        "0010_probe_table.down.sql":
            "-- deployctl:allow-destructive the probe table is the test's own\nDROP TABLE IF EXISTS rollback_probe;\n",
    ]

    /// Runs deployctl under `script`, on a pseudo-terminal, typing `answer`; returns what the terminal showed.
    static func onTerminal(_ fixture: DeployFixture, _ arguments: [String], answer: String) throws -> String {
        let command = ([DeployctlRun.binary, "--env-dir", fixture.environments] + arguments).map { "'\($0)'" }.joined(
            separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qec", command, "/dev/null"]
        process.environment = ProcessInfo.processInfo.environment.merging(fixture.environment) { $1 }
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data((answer + "\n").utf8))
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return text
    }

    func exists(_ name: String) async throws -> Bool {
        let clickhouse = try ClickHouseServer.modern(on: Self.host)
        return try await ClickHouseClient(endpoint: clickhouse.admin).value("EXISTS TABLE zakaz.\(name)") == "1"
    }

    @Test(
        "a failing loader after the switch rolls back by itself; rollback by hand undoes a reversible migration and refuses a data-losing one without the override"
    )
    func rollbacks() async throws {
        let fixture = try await DeployFixture()
        do {
            let good = try Self.release(fixture, migrations: [:])
            #expect(try fixture.deployctl(["setup", Self.host]).status == 0)
            #expect(try fixture.deployctl(["secrets", "push", Self.host, "--from", fixture.envFile()]).status == 0)
            #expect(try fixture.deployctl(["deploy", Self.host, "--release", good]).status == 0)

            // The loader fails after the switch: the deploy fails, goes back to `good` with its units, timer and schema.
            let bad = try Self.release(fixture, migrations: Self.view, failingLoader: true)
            let failed = try fixture.deployctl(["--json", "deploy", Self.host, "--release", bad])
            #expect(failed.status == 1, "\(failed.stdout)\(failed.stderr)")
            let rollback = (DeployTests.result(failed)["rollback"] as? [String: Any]) ?? [:]
            #expect(rollback["to"] as? String == good && rollback["failure"] == nil, "\(failed.stdout)")
            let steps = PlanStepLines.of(rollback["taken"]) ?? []
            #expect(
                steps.contains("migrate-down 0009_probe_view") && steps.contains("switch \(Self.host) \(good)"),
                "\(steps)")
            #expect(try await fixture.run("readlink /opt/zakaz_dashboard/current") == "releases/\(good)\n")
            let outcome = (DeployTests.result(failed)["hosts"] as? [[String: Any]])?.first
            #expect(
                outcome?["release"] as? String == good
                    && (outcome?["detail"] as? String)?.contains("rolled back to \(good)") == true,
                "\(String(describing: outcome))")
            #expect(
                try await fixture.run("grep -c ExecStartPre /etc/systemd/system/qtickets_api.service || true") == "0\n",
                "the old unit is back")
            #expect(
                try await fixture.run(
                    "systemctl is-active qtickets_api.timer; systemctl show qtickets_api.service -p Result --value")
                    == "active\nsuccess\n")
            let undone = try await exists("v_rollback_probe")
            #expect(!undone, "the deploy's migration was undone")
            let listed = try fixture.deployctl(["--json", "releases", Self.host])
            let onHost =
                ((DeployTests.result(listed)["hosts"] as? [[String: Any]])?.first?["releases"] as? [[String: Any]])
                ?? []
            let records = Dictionary(
                uniqueKeysWithValues: onHost.compactMap { release in (release["id"] as? String).map { ($0, release) } })
            #expect(
                records[good]?["role"] as? String == "current" && records[good]?["record"] as? String == "passed",
                "\(onHost)")
            #expect(records[bad]?["record"] as? String == "failed", "the failed release is marked: \(onHost)")
            let text = try fixture.deployctl([
                "status", Self.host, "--migrations", PipelineDatabase.migrationsDirectory,
            ])
            #expect(
                text.stdout.contains("release                       \(good)") || text.stdout.contains(good),
                "\(text.stdout)")
            #expect(
                text.stdout.contains("\(bad) failed at")
                    && text.stdout.contains("the loader run after the switch failed"),
                "status shows the failed deploy: \(text.stdout)")

            // By hand, across a migration with a down file.
            let withView = try Self.release(fixture, migrations: Self.view)
            #expect(try fixture.deployctl(["deploy", Self.host, "--release", withView]).status == 0)
            #expect(try await exists("v_rollback_probe"))
            let planned = try fixture.deployctl(["rollback", Self.host, "--dry-run"])
            #expect(
                planned.status == 0 && planned.stdout.contains("roll back to \(good)")
                    && planned.stdout.contains("migrate-down 0009_probe_view"), "\(planned.stdout)")
            // On a terminal it asks first; "n" changes nothing.
            let declined = try Self.onTerminal(fixture, ["rollback", Self.host], answer: "n")
            #expect(
                declined.contains("Roll \(Self.host) back from \(withView) to \(good)? [y/N]")
                    && declined.contains("rollback cancelled: nothing changed"), "\(declined)")
            #expect(try await fixture.run("readlink /opt/zakaz_dashboard/current") == "releases/\(withView)\n")
            let manual = try fixture.deployctl(["rollback", Self.host])
            #expect(
                manual.status == 0 && manual.stdout.contains("rolled back to \(good)"),
                "\(manual.stdout)\(manual.stderr)")
            let now = manual.stdout.firstMatch(of: /now: automation and monitoring checks (\d+)\/(\d+) passed/)
            #expect(now != nil && now?.1 == now?.2, "the state after it, every check passed: \(manual.stdout)")
            let viewLeft = try await exists("v_rollback_probe")
            let backOn = try await fixture.run("readlink /opt/zakaz_dashboard/current")
            #expect(!viewLeft && backOn == "releases/\(good)\n")

            // By hand, across a migration whose down deletes data: refused without the override, done with it.
            let withTable = try Self.release(fixture, migrations: Self.table)
            #expect(try fixture.deployctl(["deploy", Self.host, "--release", withTable]).status == 0)
            let refused = try fixture.deployctl(["rollback", Self.host])
            #expect(
                refused.status == 1 && refused.stderr.contains("would delete data")
                    && refused.stderr.contains("DROP TABLE rollback_probe"), "\(refused.stderr)")
            #expect(try await exists("rollback_probe"), "nothing changed")
            let allowed = try fixture.deployctl([
                "rollback", Self.host, "--allow-data-loss", "--reason", "the probe table holds nothing we need",
            ])
            #expect(allowed.status == 0, "\(allowed.stdout)\(allowed.stderr)")
            let tableLeft = try await exists("rollback_probe")
            #expect(!tableLeft)
            let audit = try fixture.deployctl(["audit", Self.host])
            #expect(audit.stdout.contains("data loss allowed") && audit.stdout.contains("rollback"), "\(audit.stdout)")
            #expect(try fixture.deployctl(["audit", "verify", Self.host]).status == 0)
        } catch {
            Issue.record(error)
        }
        await fixture.cleanup()
    }

    @Test("a rollback while another run holds the hosts' lease is refused naming it, and the hosts keep their release")
    func rollbackUnderHeldLease() async throws {
        let fixture = try await FaultTests.fixture()
        do {
            let first = try FaultTests.deployFirst(fixture)
            let second = try FaultTests.release(fixture, marked: "held")
            #expect(try fixture.deployctl(["deploy", Self.host, "--release", second]).status == 0)
            _ = try await fixture.run(
                #"now=$(date +%s); printf '{"command":"deploy","id":"other","owner":"alice@laptop","pid":4242,"release":"r0","started":%s,"expires":%s}\n' "$now" "$((now + 600))" > /opt/zakaz_dashboard/shared/deploy.lock"#
            )
            let refused = try fixture.deployctl(["rollback", Self.host, "--yes"])
            #expect(
                refused.status == 4 && refused.stderr.contains("alice@laptop"), "\(refused.stdout)\(refused.stderr)")
            #expect(try await FaultTests.current(fixture) == "releases/\(second)")
            _ = try await fixture.run("rm /opt/zakaz_dashboard/shared/deploy.lock")
            let rolled = try fixture.deployctl(["rollback", Self.host, "--yes"])
            #expect(rolled.status == 0, "\(rolled.stdout)\(rolled.stderr)")
            #expect(try await FaultTests.current(fixture) == "releases/\(first)")
        } catch {
            Issue.record(error)
        }
        await fixture.cleanup()
    }
}
