import ClickHouse
import Foundation
import Testbed
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// `deployctl verify` on a freshly deployed testbed host, the report it writes, the record it keeps
/// on the environment, and the gate a production environment reads it through.
@Suite("deployctl verify and the gate, on a testbed host", .serialized)
struct VerifyTests {
    static let host = DeployFixture.host

    static func result(_ run: DeployctlRun) -> [String: Any] { (run.result as? [String: Any]) ?? [:] }

    static func checks(_ run: DeployctlRun) -> [String: String] {
        let hosts = (result(run)["hosts"] as? [[String: Any]]) ?? []
        var outcomes: [String: String] = [:]
        for host in hosts {
            for check in (host["checks"] as? [[String: Any]]) ?? [] {
                if let id = check["id"] as? String { outcomes[id] = check["outcome"] as? String }
            }
        }
        return outcomes
    }

    @Test(
        "a fresh deploy passes every check; each breakage fails exactly its checks; the gate follows the newest record")
    func verifyAndGate() async throws {
        let fixture = try await DeployFixture()
        let reports = try TemporaryDirectory("reports")
        do {
            // A production environment gated on prod2's verifications (it points at prod2 as well).
            let staging = try String(contentsOfFile: fixture.environments + "/\(Self.host).toml", encoding: .utf8)
            try staging.replacingOccurrences(of: "role = \"staging\"", with: "role = \"production\"")
                .appending("\n[gate]\nrequire_passed_on = \"\(Self.host)\"\nmax_report_age_hours = 1\n")
                .write(toFile: fixture.environments + "/prodgate.toml", atomically: true, encoding: .utf8)

            let release = try DeployTests.buildID(fixture, ["--checkout", Testbed.repository.path, "--allow-dirty"])
            #expect(try fixture.deployctl(["setup", Self.host]).status == 0)
            #expect(try fixture.deployctl(["secrets", "push", Self.host, "--from", fixture.envFile()]).status == 0)
            let closed = try fixture.deployctl(["gate", "status", "prodgate", "--release", release])
            #expect(
                closed.status == 1 && closed.stdout.contains("never been verified"), "\(closed.stdout)\(closed.stderr)")
            let refused = try fixture.deployctl(["deploy", "prodgate", "--release", release])
            #expect(
                refused.status == 1 && refused.stderr.contains("the gate is closed"),
                "\(refused.stdout)\(refused.stderr)")
            #expect(try fixture.deployctl(["deploy", Self.host, "--release", release]).status == 0)

            let verified = try fixture.deployctl([
                "--json", "verify", Self.host, "--output-dir", reports.path, "--junit", reports.file("junit.xml"),
            ])
            let outcomes = Self.checks(verified)
            #expect(
                verified.status == 0,
                "\(outcomes.filter { $0.value != "pass" })\n\(verified.stdout.prefix(3000))\(verified.stderr)")
            #expect(
                outcomes.count >= 25 && Set(outcomes.values).isSubset(of: ["pass", "skip"])
                    || outcomes.values.filter { $0 == "fail" }.isEmpty, "\(outcomes)")
            let markdown = try String(contentsOfFile: reports.file("TASK-QT-API-E2E-REPORT.md"), encoding: .utf8)
            #expect(
                markdown.contains("## Вердикт: ✅ ГОТОВО к выкладке") && markdown.contains("## Критерии успеха")
                    && markdown.contains(release), "\(markdown.prefix(1500))")
            let json = try #require(
                try JSONSerialization.jsonObject(
                    with: Data(contentsOf: URL(fileURLWithPath: reports.file("e2e-report.json")))) as? [String: Any])
            #expect(json["schema"] as? String == "deployctl-e2e/1" && json["release"] as? String == release)
            let validation = Process()
            validation.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            validation.arguments = [
                "-c",
                "import json, sys, jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))",
                reports.file("e2e-report.json"),
                Testbed.repository.appendingPathComponent("docs/e2e-report.schema.json").path,
            ]
            try validation.run()
            validation.waitUntilExit()
            #expect(validation.terminationStatus == 0, "e2e-report.json validates against docs/e2e-report.schema.json")
            let junit = try Data(contentsOf: URL(fileURLWithPath: reports.file("junit.xml")))
            #expect(XMLParser(data: junit).parse(), "JUnit parses")
            let secrets = [
                fixture.token,
                try String(contentsOfFile: Testbed.directory + "/secrets/clickhouse-writer", encoding: .utf8),
                try String(contentsOfFile: Testbed.directory + "/secrets/clickhouse-admin", encoding: .utf8),
            ]
            for text in [markdown, String(decoding: junit, as: UTF8.self), verified.stdout, verified.stderr] {
                #expect(!secrets.contains { text.contains($0) }, "no secret in any output")
            }
            let english = try fixture.deployctl([
                "verify", Self.host, "--lang", "en", "--output-dir", reports.path, "--only", "environment",
            ])
            #expect(
                try String(contentsOfFile: reports.file("TASK-QT-API-E2E-REPORT.md"), encoding: .utf8).contains(
                    "## Verdict"), "\(english.stdout)")

            let open = try fixture.deployctl(["gate", "status", "prodgate", "--release", release])
            #expect(open.status == 0 && open.stdout.contains("open"), "\(open.stdout)\(open.stderr)")

            // The other refusals. A pass made two hours ago (its record as stored, the clock moved back), for a gate that takes one hour:
            let server = try ClickHouseServer.modern(on: Self.host)
            let admin = ClickHouseClient(endpoint: server.admin)
            let line =
                try await admin.value(
                    "SELECT line FROM zakaz.deployctl_verifications WHERE release = '\(release)' ORDER BY at DESC LIMIT 1"
                ) ?? ""
            let epoch = try #require(line.firstMatch(of: /"epoch":(\d+)/).flatMap { Int($0.1) })
            let aged = line.replacingOccurrences(of: "\"epoch\":\(epoch)", with: "\"epoch\":\(epoch - 7200)")
            try await admin.execute(
                "INSERT INTO zakaz.deployctl_verifications (release, passed, at, line) SELECT '\(release)', 1, now() + 60, \(ClickHouseSQL.literal(aged))"
            )
            let old = try fixture.deployctl(["gate", "status", "prodgate", "--release", release])
            try await admin.execute(
                "ALTER TABLE zakaz.deployctl_verifications DELETE WHERE at > now() SETTINGS mutations_sync = 2")
            #expect(
                old.status == 1 && old.stdout.contains("2.0 h old") && old.stdout.contains("accepts up to 1 h"),
                "\(old.stdout)")
            // a gate that wants ten hours of soak on staging;
            try String(contentsOfFile: fixture.environments + "/prodgate.toml", encoding: .utf8).appending(
                "min_soak_minutes = 600\n"
            )
            .write(toFile: fixture.environments + "/prodsoak.toml", atomically: true, encoding: .utf8)
            let soak = try fixture.deployctl(["gate", "status", "prodsoak", "--release", release])
            #expect(soak.status == 1 && soak.stdout.contains("the gate wants 600 min of soak"), "\(soak.stdout)")
            // a staging environment that cannot be reached (nothing listens on loopback port 1).
            try staging.replacingOccurrences(
                of: "address = \"\(fixture.testbed.host(Self.host).address)\"", with: "address = \"127.0.0.1\""
            )
            .replacingOccurrences(of: "port = 22", with: "port = 1")
            .write(toFile: fixture.environments + "/gone.toml", atomically: true, encoding: .utf8)
            try String(contentsOfFile: fixture.environments + "/prodgate.toml", encoding: .utf8)
                .replacingOccurrences(of: "require_passed_on = \"\(Self.host)\"", with: "require_passed_on = \"gone\"")
                .write(toFile: fixture.environments + "/prodgone.toml", atomically: true, encoding: .utf8)
            let unreachable = try fixture.deployctl(["gate", "status", "prodgone", "--release", release])
            #expect(
                unreachable.status == 1
                    && unreachable.stdout.contains("gone cannot be reached, so the gate stays closed"),
                "\(unreachable.stdout)")
            withExtendedLifetime(server) {}

            // Breakages, one at a time: each fails exactly its checks.
            _ = try await fixture.run("systemctl disable --now qtickets_api.timer")
            let timer = Self.checks(
                try fixture.deployctl(["--json", "verify", Self.host, "--output-dir", reports.path]))
            #expect(
                timer["automation.timer"] == "fail" && timer.filter { $0.value == "fail" }.count == 1,
                "\(timer.filter { $0.value == "fail" })")
            _ = try await fixture.run("systemctl enable --now qtickets_api.timer")

            let revoked = try fixture.deployctl(["gate", "status", "prodgate", "--release", release])
            #expect(
                revoked.status == 1 && revoked.stdout.contains("failed")
                    && revoked.stdout.contains("revokes an earlier pass"), "\(revoked.stdout)")

            _ = try await fixture.run("echo '# edited by hand' >> /etc/systemd/system/qtickets_healthcheck.service")
            let unit = Self.checks(
                try fixture.deployctl([
                    "--json", "verify", Self.host, "--output-dir", reports.path, "--only", "automation",
                ]))
            #expect(unit["automation.units"] == "fail", "\(unit)")
            _ = try await fixture.run("sed -i '$d' /etc/systemd/system/qtickets_healthcheck.service")

            #expect(try fixture.deployctl(["verify", Self.host, "--output-dir", reports.path]).status == 0)
            let forced = try fixture.deployctl(["deploy", "prodgate", "--release", release])
            #expect(
                forced.status == 0,
                "the gate is open again after a passing verification: \(forced.stdout)\(forced.stderr)")
            let audit = try fixture.deployctl(["audit", Self.host])
            #expect(audit.stdout.contains("verify"), "verifications are in the audit chain: \(audit.stdout)")

            // A failed verification closes the gate again; an override goes through, is audited, and shows in status and the next report.
            _ = try await fixture.run("systemctl disable --now qtickets_api.timer")
            #expect(try fixture.deployctl(["verify", Self.host, "--output-dir", reports.path]).status == 1)
            let reason = "hotfix the client asked for by phone"
            let overridden = try fixture.deployctl([
                "deploy", "prodgate", "--release", release, "--force-gate", "--reason", reason,
            ])
            #expect(overridden.status == 0, "\(overridden.stdout)\(overridden.stderr)")
            _ = try await fixture.run("systemctl enable --now qtickets_api.timer")
            let status = try fixture.deployctl(["status", "prodgate"])
            #expect(
                status.stdout.contains("deployed past a closed gate") && status.stdout.contains(reason),
                "\(status.stdout)")
            let next = try fixture.deployctl([
                "--json", "verify", "prodgate", "--output-dir", reports.path, "--only", "automation",
            ])
            #expect(Self.checks(next)["automation.gate-override"] == "fail", "\(Self.checks(next))")
            let report = try String(contentsOfFile: reports.file("TASK-QT-API-E2E-REPORT.md"), encoding: .utf8)
            #expect(report.contains(reason), "the next report names the override: \(report.prefix(3000))")
        } catch {
            Issue.record(error)
        }
        await fixture.cleanup()
    }

    @Test("each breakage fails exactly the checks it should, and the report says why and what to do")
    func breakages() async throws {
        let fixture = try await DeployFixture()
        let reports = try TemporaryDirectory("reports")
        func verify(_ extra: [String] = []) throws -> (status: Int32, failed: Set<String>, report: String) {
            let run = try fixture.deployctl(["--json", "verify", Self.host, "--output-dir", reports.path] + extra)
            let failed = Set(Self.checks(run).filter { $0.value == "fail" || $0.value == "error" }.keys)
            let report = (try? String(contentsOfFile: reports.file("TASK-QT-API-E2E-REPORT.md"), encoding: .utf8)) ?? ""
            return (run.status, failed, report)
        }
        do {
            let release = try DeployTests.buildID(fixture, ["--checkout", Testbed.repository.path, "--allow-dirty"])
            #expect(try fixture.deployctl(["setup", Self.host]).status == 0)
            #expect(try fixture.deployctl(["secrets", "push", Self.host, "--from", fixture.envFile()]).status == 0)
            #expect(try fixture.deployctl(["deploy", Self.host, "--release", release]).status == 0)
            let clean = try verify()
            #expect(clean.status == 0 && clean.failed.isEmpty, "\(clean.failed)")

            // --retry-timeout: a failure that lasts fails when the time is up; one that mends itself passes on a later attempt.
            func attempts(_ json: String) -> Int? {
                let result =
                    (try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?["result"]
                    as? [String: Any]
                return ((result?["hosts"] as? [[String: Any]])?.first?["attempts"] as? Int)
            }
            _ = try await fixture.run("systemctl stop qtickets_api.timer")
            let lasting = try fixture.deployctl([
                "--json", "verify", Self.host, "--output-dir", reports.path, "--only", "automation", "--retry-timeout",
                "2s",
            ])
            #expect(lasting.status == 1 && (attempts(lasting.stdout) ?? 1) >= 2, "\(lasting.stdout.prefix(2000))")
            let mending = try FaultTests.Background(
                fixture,
                [
                    "--json", "verify", Self.host, "--output-dir", reports.path, "--only", "automation",
                    "--retry-timeout", "60s",
                ])
            try await Task.sleep(for: .seconds(2))
            _ = try await fixture.run("systemctl start qtickets_api.timer")
            let (mended, output) = mending.finish()
            #expect(mended == 0 && (attempts(output) ?? 1) >= 2, "\(output.prefix(2000))")

            // The binary under current replaced (one byte more; renamed into place, as the running one cannot be written).
            _ = try await fixture.run(
                "cd /opt/zakaz_dashboard/current/bin && cp -p qtickets-api /tmp/qtickets-api.orig && cp qtickets-api /tmp/qtickets-api.new && echo >> /tmp/qtickets-api.new && mv /tmp/qtickets-api.new qtickets-api"
            )
            let binary = try verify(["--only", "automation"])
            #expect(binary.failed == ["automation.files"], "\(binary.failed)")
            #expect(binary.report.contains("bin/qtickets-api: FAILED"), "the evidence names the file")
            _ = try await fixture.run("mv /tmp/qtickets-api.orig /opt/zakaz_dashboard/current/bin/qtickets-api")

            // A pending and a drifted migration, in the release's own files.
            let migrations = fixture.directory.file("releases/\(release)/migrations")
            try "CREATE TABLE IF NOT EXISTS verify_probe (x UInt8) ENGINE = MergeTree ORDER BY x;\n"
                .write(toFile: migrations + "/0099_probe.up.sql", atomically: true, encoding: .utf8)
            try "DROP TABLE IF EXISTS verify_probe;\n".write(
                toFile: migrations + "/0099_probe.down.sql", atomically: true, encoding: .utf8)
            let pending = try verify(["--only", "database"])
            #expect(
                pending.failed.contains("database.migrations") && pending.report.contains("0099_probe pending"),
                "\(pending.failed)")
            try FileManager.default.removeItem(atPath: migrations + "/0099_probe.up.sql")
            try FileManager.default.removeItem(atPath: migrations + "/0099_probe.down.sql")
            let first = migrations + "/0001_staging_orders.up.sql"
            let original = try String(contentsOfFile: first, encoding: .utf8)
            try (original + "\n-- edited after it was applied\n").write(
                toFile: first, atomically: true, encoding: .utf8)
            let drifted = try verify(["--only", "database"])
            #expect(
                drifted.failed == ["database.migrations"] && drifted.report.contains("drifted"), "\(drifted.failed)")
            try original.write(toFile: first, atomically: true, encoding: .utf8)

            // The loader failing: a wrong token in the host's env file.
            _ = try await fixture.run(
                "sed -i 's/^QTICKETS_TOKEN=.*/QTICKETS_TOKEN=wrong-\(UUID().uuidString)/' /opt/zakaz_dashboard/secrets/.env.qtickets_api"
            )
            let token = try verify(["--only", "load"])
            #expect(token.failed == ["load.run", "load.check-api"], "\(token.failed)")
            #expect(token.report.contains("QTICKETS_TOKEN"), "what to do names the variable")
            #expect(try fixture.deployctl(["secrets", "push", Self.host, "--from", fixture.envFile()]).status == 0)

            let server = try ClickHouseServer.modern(on: Self.host)
            let admin = ClickHouseClient(endpoint: server.admin)

            // The writer's INSERT grant gone (the server rereads users.xml when it changes).
            let users = "/etc/clickhouse-server/users.xml"
            _ = try await fixture.run(
                "cp -p \(users) /tmp/users.xml.orig && sed -i 's/GRANT INSERT, SELECT ON zakaz/GRANT SELECT ON zakaz/' \(users)"
            )
            let grant = try verify(["--only", "database"])
            _ = try await fixture.run("cp -p /tmp/users.xml.orig \(users) && touch \(users)")
            #expect(grant.failed == ["database.writer-can-insert"], "\(grant.failed)")
            #expect(
                grant.report.contains("GRANT INSERT, SELECT ON zakaz.* TO etl_writer"),
                "what to do is the missing grant")

            // A dashboard view that answers with no rows.
            try await admin.execute("RENAME TABLE zakaz.v_sales_14d TO zakaz.v_sales_14d_saved")
            try await admin.execute("CREATE VIEW zakaz.v_sales_14d AS SELECT * FROM zakaz.v_sales_14d_saved WHERE 0")
            let view = try verify(["--only", "quality"])
            try await admin.execute("DROP VIEW zakaz.v_sales_14d")
            try await admin.execute("RENAME TABLE zakaz.v_sales_14d_saved TO zakaz.v_sales_14d")
            #expect(view.failed == ["quality.view.v_sales_14d"], "\(view.failed)")
            #expect(view.report.contains("v_sales_14d"), "the report names the view")

            // A stale meta_job_runs: its newest row is not the run verify made (another loader, an old release, writes there).
            try await admin.execute(
                "INSERT INTO zakaz.meta_job_runs (run_id, job, started_at, finished_at, status, rows_orders, api_requests, release_id, _version) "
                    + "SELECT generateUUIDv4(), 'qtickets_api', now64(3) + 3600, now64(3) + 3601, 'ok', 1, 1, 'legacy-cron', 1"
            )
            let meta = try verify(["--only", "metadata"])
            try await admin.execute(
                "ALTER TABLE zakaz.meta_job_runs DELETE WHERE release_id = 'legacy-cron' SETTINGS mutations_sync = 2")
            #expect(meta.failed == ["metadata.last-run"], "\(meta.failed)")
            #expect(meta.report.contains("legacy-cron"), "the report names the row's release")

            // The tickets deleted: facts, summed from them, no longer reconcile with the orders.
            try await admin.execute("ALTER TABLE zakaz.stg_qtickets_tickets DELETE WHERE 1 SETTINGS mutations_sync = 2")
            let facts = try verify(["--only", "smoke"])
            #expect(
                facts.failed.contains("smoke.fact_matches_staging")
                    && facts.failed.allSatisfy { $0.hasPrefix("smoke.") }, "\(facts.failed)")
            #expect(facts.report.contains("staging vs"), "the sample names the disagreeing day and event")

            // A smoke-check violation: an order refunded for more than it was paid.
            try await admin.execute(
                "INSERT INTO zakaz.stg_qtickets_orders SELECT * REPLACE (gross_amount + 1000 AS refunded_amount, _version + 1 AS _version) "
                    + "FROM zakaz.stg_qtickets_orders FINAL LIMIT 1")
            let smoke = try verify(["--only", "smoke"])
            #expect(smoke.failed.contains("smoke.no_negative_amounts"), "\(smoke.failed)")
            #expect(smoke.report.contains("refunded"), "the sample names the order")
            withExtendedLifetime(server) {}

            // ClickHouse stopped: its checks fail, and those that need it are skipped, saying why.
            _ = try await fixture.run("systemctl stop clickhouse-server.service")
            let stopped = try fixture.deployctl([
                "--json", "verify", Self.host, "--output-dir", reports.path, "--only", "environment", "--only",
                "database",
            ])
            let outcomes = Self.checks(stopped)
            #expect(
                outcomes["environment.clickhouse-unit"] == "fail"
                    && outcomes["environment.clickhouse-answers"] == "fail", "\(outcomes)")
            #expect(outcomes["database.skipped"] == "skip", "\(outcomes)")
            _ = try await fixture.run(
                "systemctl start clickhouse-server.service; for i in $(seq 50); do python3 -c \"import urllib.request; urllib.request.urlopen('http://127.0.0.1:8123/ping')\" 2>/dev/null && break; sleep 0.2; done"
            )
        } catch {
            Issue.record(error)
        }
        await fixture.cleanup()
    }
}
