import ClickHouse
import Foundation
import SSH
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

    /// A verification record's line moved `shift` seconds in time and signed again by the
    /// testbed's release key (the verifier key by default): what that verifier signs at another time.
    static func resigned(_ line: String, shift: Int) throws -> String {
        var record = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let epoch = try #require(record["epoch"] as? Int) + shift
        record["epoch"] = epoch
        record["at"] = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(epoch)))
        record["signature"] = nil
        let options: JSONSerialization.WritingOptions = [.sortedKeys, .withoutEscapingSlashes]
        let key = try SigningKey.load(path: Testbed.directory + "/keys/release_ed25519")
        record["signature"] = try key.signature(
            of: try JSONSerialization.data(withJSONObject: record, options: options),
            namespace: "deployctl-verification")
        return String(decoding: try JSONSerialization.data(withJSONObject: record, options: options), as: UTF8.self)
    }

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
            // A partial verification that passes records nothing: the gate stays closed.
            let partialFirst = try fixture.deployctl([
                "verify", Self.host, "--only", "environment", "--output-dir", reports.file("partial"),
            ])
            #expect(partialFirst.status == 0, "\(partialFirst.stdout)\(partialFirst.stderr)")
            let stillClosed = try fixture.deployctl(["gate", "status", "prodgate", "--release", release])
            #expect(
                stillClosed.status == 1 && stillClosed.stdout.contains("never been verified"),
                "a partial pass opens no gate: \(stillClosed.stdout)")

            let verified = try fixture.deployctl([
                "--json", "verify", Self.host, "--output-dir", reports.path, "--junit", reports.file("junit.xml"),
            ])
            let outcomes = Self.checks(verified)
            #expect(
                verified.status == 0,
                "\(outcomes.filter { $0.value != "pass" })\n\(verified.stdout.prefix(3000))\(verified.stderr)")
            #expect(outcomes.count >= 25, "\(outcomes.count) checks: \(outcomes.keys.sorted())")
            #expect(
                Set(outcomes.values).isSubset(of: ["pass", "skip"]),
                "\(outcomes.filter { $0.value != "pass" && $0.value != "skip" })")
            let markdown = try String(contentsOfFile: reports.file("TASK-QT-API-E2E-REPORT.md"), encoding: .utf8)
            #expect(
                markdown.contains("## Вердикт: ✅ ГОТОВО к выкладке") && markdown.contains("## Критерии успеха")
                    && markdown.contains(release), "\(markdown.prefix(1500))")
            #expect(
                !markdown.contains("| Git-ревизия | — |") && markdown.contains("собран из checkout этой ревизии"),
                "the revision and the binary's origin come from the release: \(markdown.prefix(1500))")
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
            // --only in the report's folder without --output-dir: the full report stays, the partial one says what it is.
            let english = try DeployctlRun(
                ["--env-dir", fixture.environments, "verify", Self.host, "--lang", "en", "--only", "environment"],
                environment: fixture.environment, directory: reports.path)
            #expect(
                english.status == 0 && english.stderr.contains("partial verification (environment)")
                    && english.stderr.contains("TASK-QT-API-E2E-REPORT.partial.md"),
                "\(english.stdout)\(english.stderr)")
            #expect(
                try String(contentsOfFile: reports.file("TASK-QT-API-E2E-REPORT.md"), encoding: .utf8) == markdown,
                "the last full report is not overwritten")
            let partial = try String(contentsOfFile: reports.file("TASK-QT-API-E2E-REPORT.partial.md"), encoding: .utf8)
            #expect(
                partial.hasPrefix("# TASK-QT-API-E2E-REPORT: partial verification: environment\n")
                    && partial.contains("## Verdict: ⚠️ partial verification: environment")
                    && !partial.contains("READY"),
                "\(partial.prefix(1500))")

            let open = try fixture.deployctl(["gate", "status", "prodgate", "--release", release])
            #expect(open.status == 0 && open.stdout.contains("open"), "\(open.stdout)\(open.stderr)")

            // The other refusals. The record the verifier would have signed two hours ago, as the
            // server received it then, for a gate that takes one hour; and one dated an hour ahead
            // of the server's receipt (a verifier's clock ahead):
            let server = try ClickHouseServer.modern(on: Self.host)
            let admin = ClickHouseClient(endpoint: server.admin)
            let stored = try #require(
                try await admin.rows(
                    "SELECT line, toUnixTimestamp(received) FROM deployctl.deployctl_verifications WHERE release = '\(release)' ORDER BY received DESC LIMIT 1"
                ).first)
            let line = try #require(stored[0])
            let real = ClickHouseSQL.literal(line)
            try await admin.execute(
                "ALTER TABLE deployctl.deployctl_verifications DELETE WHERE line = \(real) SETTINGS mutations_sync = 2")
            for (shift, received, refusal) in [
                (-7200, "now() - 7200", "2.0 h old"), (3600, "now()", "a record from the future is not taken"),
            ] {
                let forged = ClickHouseSQL.literal(try Self.resigned(line, shift: shift))
                try await admin.execute(
                    "INSERT INTO deployctl.deployctl_verifications (release, passed, at, line, received) SELECT '\(release)', 1, \(received), \(forged), \(received)"
                )
                let refused = try fixture.deployctl(["gate", "status", "prodgate", "--release", release])
                try await admin.execute(
                    "ALTER TABLE deployctl.deployctl_verifications DELETE WHERE line = \(forged) SETTINGS mutations_sync = 2"
                )
                #expect(refused.status == 1 && refused.stdout.contains(refusal), "\(refused.stdout)")
            }
            try await admin.execute(
                "INSERT INTO deployctl.deployctl_verifications (release, passed, at, line, received) SELECT '\(release)', 1, toDateTime(\(try #require(stored[1]))), \(real), toDateTime(\(try #require(stored[1])))"
            )
            #expect(
                try fixture.deployctl(["gate", "status", "prodgate", "--release", release]).status == 0,
                "the real record opens it again")
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

    @Test(
        "the lease comes before the gate: a gated deploy while another run holds the hosts is refused as locked (4); verify --verifier-key signs with a key of its own, which opens a gate that lists it in trusted_verifiers and no gate that trusts the release key alone"
    )
    func separateVerifierKey() async throws {
        let fixture = try await DeployFixture()
        do {
            let key = fixture.directory.file("verifier_ed25519")
            let keygen = Process()
            keygen.executableURL = URL(fileURLWithPath: "/usr/bin/ssh-keygen")
            keygen.arguments = ["-q", "-t", "ed25519", "-N", "", "-C", "verifier@ci", "-f", key]
            try keygen.run()
            keygen.waitUntilExit()
            let verifier = try String(contentsOfFile: key + ".pub", encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let staging = try String(contentsOfFile: fixture.environments + "/\(Self.host).toml", encoding: .utf8)
            for (name, trusted) in [("prodverifier", "\ntrusted_verifiers = [\"\(verifier)\"]"), ("prodrelease", "")] {
                try staging.replacingOccurrences(of: "role = \"staging\"", with: "role = \"production\"")
                    .appending("\n[gate]\nrequire_passed_on = \"\(Self.host)\"\(trusted)\n")
                    .write(toFile: fixture.environments + "/\(name).toml", atomically: true, encoding: .utf8)
            }
            let release = try DeployTests.buildID(fixture, ["--checkout", Testbed.repository.path, "--allow-dirty"])
            #expect(try fixture.deployctl(["setup", Self.host]).status == 0)
            #expect(try fixture.deployctl(["secrets", "push", Self.host, "--from", fixture.envFile()]).status == 0)

            _ = try await fixture.run(
                #"printf '{"command":"deploy","id":"other","owner":"alice@laptop","pid":4242,"release":"r0","started":%s,"expires":%s}\n' "$(date +%s)" "$(($(date +%s) + 600))" > /opt/zakaz_dashboard/shared/deploy.lock"#
            )
            let locked = try fixture.deployctl(["deploy", "prodverifier", "--release", release])
            #expect(
                locked.status == 4 && (locked.stdout + locked.stderr).contains("alice@laptop")
                    && !(locked.stdout + locked.stderr).contains("the gate is closed"),
                "the hosts' lease is asked first, the closed gate never: \(locked.stdout)\(locked.stderr)")
            _ = try await fixture.run("rm /opt/zakaz_dashboard/shared/deploy.lock")

            #expect(try fixture.deployctl(["deploy", Self.host, "--release", release]).status == 0)
            let reports = fixture.directory.file("reports")
            let verified = try fixture.deployctl(["verify", Self.host, "--output-dir", reports, "--verifier-key", key])
            #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
            let open = try fixture.deployctl(["gate", "status", "prodverifier", "--release", release])
            #expect(open.status == 0 && open.stdout.contains("open"), "\(open.stdout)\(open.stderr)")
            let closed = try fixture.deployctl(["gate", "status", "prodrelease", "--release", release])
            #expect(closed.status == 1, "a record signed by a key it does not list: \(closed.stdout)\(closed.stderr)")
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
            // The output holds standard error as well: the envelope starts at the first line that is "{".
            func attempts(_ output: String) -> Int? {
                let json = output.range(of: "{\n").map { String(output[$0.lowerBound...]) } ?? output
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
            // The timer comes back once verify's first attempt has read the host's facts (their last file read is
            // shared/audit.jsonl, after the timer's state): a watcher on the host starts it on that read.
            _ = try await fixture.run(
                "rm -f /tmp/verify-watch.ready; setsid timeout 120 python3 -c \"import ctypes, os, subprocess, sys; libc = ctypes.CDLL(None); fd = libc.inotify_init(); "
                    + "assert libc.inotify_add_watch(fd, sys.argv[1].encode(), 0x10) >= 0; open(sys.argv[2], 'w').close(); os.read(fd, 4096); "
                    + "subprocess.run(['systemctl', 'start', 'qtickets_api.timer'])\" /opt/zakaz_dashboard/shared/audit.jsonl /tmp/verify-watch.ready "
                    + ">/dev/null 2>&1 < /dev/null &")
            #expect(try await FaultTests.await("[ -f /tmp/verify-watch.ready ]", on: fixture, seconds: 10))
            let mending = try FaultTests.Background(
                fixture,
                [
                    "--json", "verify", Self.host, "--output-dir", reports.path, "--only", "automation",
                    "--retry-timeout", "60s",
                ])
            let (mended, output) = mending.finish()
            _ = try await fixture.run("rm -f /tmp/verify-watch.ready")
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
            #expect(
                try await admin.value(
                    "SELECT count() FROM system.tables WHERE database = 'zakaz' AND startsWith(name, 'deployctl_verify_')"
                )
                    == "0", "the writer check's scratch table is dropped before verify exits")
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
