import ClickHouse
import Foundation
import QTicketsSimulator
import Testbed
import Testing

/// Single checks of `deployctl verify` on a deployed testbed host: what each one reads on the host,
/// that it passes on a healthy install, and that the breakage it guards against fails it.
@Suite("deployctl verify's checks, one breakage at a time, on a testbed host", .serialized)
struct VerifyChecksTests {
    static let host = DeployFixture.host

    /// Every check of a `--json verify` run by id: its outcome and what it found.
    static func checks(_ run: DeployctlRun) -> [String: (outcome: String, found: String)] {
        let hosts = ((run.result as? [String: Any])?["hosts"] as? [[String: Any]]) ?? []
        var checks: [String: (outcome: String, found: String)] = [:]
        for host in hosts {
            for check in (host["checks"] as? [[String: Any]]) ?? [] {
                if let id = check["id"] as? String {
                    checks[id] = ((check["outcome"] as? String) ?? "", (check["found"] as? String) ?? "")
                }
            }
        }
        return checks
    }

    /// Every check's evidence by id: the command a person runs on the host to see the same fact.
    static func evidence(_ run: DeployctlRun) -> [String: String] {
        let hosts = ((run.result as? [String: Any])?["hosts"] as? [[String: Any]]) ?? []
        var evidence: [String: String] = [:]
        for check in hosts.flatMap({ ($0["checks"] as? [[String: Any]]) ?? [] }) {
            if let id = check["id"] as? String { evidence[id] = check["evidence"] as? String }
        }
        return evidence
    }

    /// A deployed release of the repository's files on prod2, its env file pushed.
    static func deployed(_ fixture: DeployFixture) throws {
        let release = try DeployTests.buildID(fixture, ["--checkout", Testbed.repository.path, "--allow-dirty"])
        #expect(try fixture.deployctl(["setup", host]).status == 0)
        #expect(try fixture.deployctl(["secrets", "push", host, "--from", fixture.envFile()]).status == 0)
        let deploy = try fixture.deployctl(["deploy", host, "--release", release])
        #expect(deploy.status == 0, "\(deploy.stdout)\(deploy.stderr)")
    }

    /// A shell loop that waits (at most 10 s) until something listens on TCP `port`.
    static func listening(_ port: Int) -> String {
        "for i in $(seq 50); do ss -Hltn | grep -q ':\(port) ' && break; sleep 0.2; done"
    }

    @Test(
        "monitoring: the healthcheck's service, /healthz and /metrics on the unit's address agree with the command line, and lowered thresholds turn it"
    )
    func monitoring() async throws {
        let fixture = try await DeployFixture()
        let reports = try TemporaryDirectory("reports")
        func verify(_ areas: [String]) throws -> [String: (outcome: String, found: String)] {
            Self.checks(
                try fixture.deployctl(
                    ["--json", "verify", Self.host, "--output-dir", reports.path] + areas.flatMap { ["--only", $0] }))
        }
        let ids = [
            "monitoring.healthcheck", "monitoring.freshness-detected", "monitoring.service", "monitoring.healthz",
            "monitoring.metrics",
        ]
        let dropIn = "/etc/systemd/system/qtickets_healthcheck.service.d/zz-verify-test.conf"
        let binary = "/opt/zakaz_dashboard/current/bin/qtickets-api"
        /// Restarts the service with `arguments` and waits until it listens on `port`.
        func serve(_ arguments: String, port: Int) async throws {
            _ = try await fixture.run(
                "printf '[Service]\\nExecStart=\\nExecStart=\(binary) healthcheck \(arguments)\\n' > \(dropIn) && systemctl daemon-reload && systemctl restart qtickets_healthcheck.service && "
                    + Self.listening(port))
        }
        do {
            try Self.deployed(fixture)
            // The loader runs (area load), then the monitoring checks read what it recorded.
            let healthy = try verify(["load", "monitoring"])
            for id in ids {
                #expect(healthy[id]?.outcome == "pass", "\(id): \(healthy[id] ?? ("missing", ""))")
            }
            #expect(
                healthy["monitoring.freshness-detected"]?.found.contains("at 0/1 min: data warning") == true
                    || healthy["monitoring.freshness-detected"]?.found.contains("at 0/1 min: data critical") == true,
                "\(healthy["monitoring.freshness-detected"] ?? ("missing", ""))")

            // Served on another port and every address (a drop-in of the operator's): the checks ask
            // where the unit serves, and the environment area flags that port beyond loopback.
            try await serve("--serve 0.0.0.0:18099", port: 18099)
            let moved = try verify(["environment", "monitoring"])
            #expect(
                moved["monitoring.healthz"]?.outcome == "pass" && moved["monitoring.metrics"]?.outcome == "pass",
                "\(moved)")
            #expect(
                moved["environment.loopback-only"]?.outcome == "fail"
                    && moved["environment.loopback-only"]?.found.contains(":18099") == true,
                "\(moved["environment.loopback-only"] ?? ("missing", ""))")

            // The service serving thresholds of its own: /healthz says warning or critical while the command line says ok.
            try await serve(
                "--serve 127.0.0.1:18080 --threshold HEALTHCHECK_DATA_WARN_MINUTES=0 --threshold HEALTHCHECK_DATA_CRITICAL_MINUTES=1",
                port: 18080)
            let disagreeing = try verify(["monitoring"])
            #expect(
                disagreeing["monitoring.healthz"]?.outcome == "fail"
                    && disagreeing["monitoring.healthz"]?.found.contains("the command line said ok") == true,
                "\(disagreeing)")
            #expect(disagreeing["monitoring.metrics"]?.outcome == "pass", "/metrics agrees with /healthz")
            _ = try await fixture.run(
                "rm -f \(dropIn) && systemctl daemon-reload && systemctl restart qtickets_healthcheck.service && "
                    + Self.listening(18080))

            // The service stopped: it is not running, and its endpoints do not answer.
            _ = try await fixture.run("systemctl stop qtickets_healthcheck.service")
            let stopped = try verify(["monitoring"])
            _ = try await fixture.run("systemctl start qtickets_healthcheck.service")
            #expect(stopped["monitoring.service"]?.outcome == "fail", "\(stopped)")
            #expect(
                stopped["monitoring.healthz"]?.outcome == "error" && stopped["monitoring.metrics"]?.outcome == "error",
                "\(stopped)")
            #expect(stopped["monitoring.healthcheck"]?.outcome == "pass", "the command line does not need the service")
        } catch {
            Issue.record(error)
        }
        _ = try? await fixture.run("rm -f \(dropIn) && systemctl daemon-reload")
        await fixture.cleanup()
    }

    @Test(
        "a loader that never ran, and a masked loader unit, fail automation.recent-runs and load.run, which systemd's default Result=success and the previous run's result passed"
    )
    func unreadableRuns() async throws {
        let fixture = try await DeployFixture()
        let reports = try TemporaryDirectory("reports")
        func verify(_ area: String) throws -> [String: (outcome: String, found: String)] {
            Self.checks(
                try fixture.deployctl(["--json", "verify", Self.host, "--output-dir", reports.path, "--only", area]))
        }
        let unit = "/etc/systemd/system/qtickets_api.service"
        do {
            try Self.deployed(fixture)
            // The deploy ran the loader once. Its units taken away and put back, unused, so that systemd
            // forgets that run (it unloads a unit without a file that nothing runs); then the timer
            // active again, as on a loader host whose timer has not fired yet.
            _ = try await fixture.run(
                "systemctl disable --now qtickets_api.timer && mkdir -p /run/verify-checks && mv /etc/systemd/system/qtickets_api.service /etc/systemd/system/qtickets_api.timer /run/verify-checks/ && systemctl daemon-reload && mv /run/verify-checks/qtickets_api.service /run/verify-checks/qtickets_api.timer /etc/systemd/system/ && systemctl daemon-reload && systemctl enable --now qtickets_api.timer"
            )
            let started = try await fixture.run("systemctl show -p ExecMainStartTimestamp --value qtickets_api.service")
            #expect(
                started.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty,
                "the loader has not run since it was installed: \(started)")
            let never = try verify("automation")
            #expect(
                never["automation.recent-runs"]?.outcome == "fail"
                    && never["automation.recent-runs"]?.found.contains("never ran") == true,
                "\(never["automation.recent-runs"] ?? ("missing", ""))")

            let loaded = try verify("load")
            #expect(loaded["load.run"]?.outcome == "pass", "\(loaded["load.run"] ?? ("missing", ""))")
            #expect(loaded["load.run-rows"]?.outcome == "pass", "\(loaded["load.run-rows"] ?? ("missing", ""))")
            let ran = try verify("automation")
            #expect(
                ran["automation.recent-runs"]?.outcome == "pass", "\(ran["automation.recent-runs"] ?? ("missing", ""))")

            // Masked: systemctl start refuses it, while systemd still shows the last run's success.
            _ = try await fixture.run(
                "mv \(unit) /run/qtickets_api.service.saved && systemctl mask qtickets_api.service")
            let masked = try verify("load")
            _ = try await fixture.run(
                "systemctl unmask qtickets_api.service && mv /run/qtickets_api.service.saved \(unit) && systemctl daemon-reload"
            )
            #expect(
                masked["load.run"]?.outcome == "fail" && masked["load.run"]?.found.contains("masked") == true,
                "\(masked["load.run"] ?? ("missing", ""))")
            _ = try await fixture.run("systemctl start qtickets_api.timer")
        } catch {
            Issue.record(error)
        }
        _ = try? await fixture.run(
            "if [ -e /run/qtickets_api.service.saved ]; then systemctl unmask qtickets_api.service; mv /run/qtickets_api.service.saved \(unit); systemctl daemon-reload; fi"
        )
        await fixture.cleanup()
    }

    @Test(
        "an off-season client (its last paid order older than 14 days) verifies as ready: v_sales_14d is empty as staging says, every fact and view reconciles"
    )
    func offSeasonClient() async throws {
        let now = Date()
        let fixture = try await DeployFixture(
            dataset: SimulatorDataset(
                seed: 11, orders: 300, start: now.addingTimeInterval(-80 * 86_400), span: 60 * 86_400))
        let reports = try TemporaryDirectory("reports")
        do {
            // Only this client's orders: no rows another run left in prod2's zakaz.
            let server = try ClickHouseServer.modern(on: Self.host)
            let admin = ClickHouseClient(endpoint: server.admin)
            for database in ["zakaz", "deployctl"] {
                try await admin.execute("DROP DATABASE IF EXISTS \(database)")
            }
            try Self.deployed(fixture)
            let run = try fixture.deployctl(["--json", "verify", Self.host, "--output-dir", reports.path])
            let checks = Self.checks(run)
            let failed = checks.filter { $0.value.outcome == "fail" || $0.value.outcome == "error" }
            #expect(run.status == 0 && failed.isEmpty, "\(failed)\n\(run.stderr)")
            #expect(
                checks["quality.view.v_sales_14d"]?.outcome == "pass"
                    && checks["quality.view.v_sales_14d"]?.found.contains(
                        "no order was paid in the last 14 Moscow days")
                        == true,
                "\(checks["quality.view.v_sales_14d"] ?? ("missing", ""))")
            for id in [
                "quality.fact_sales_daily", "quality.view.v_sales_latest", "quality.view.v_freshness",
                "quality.view.v_job_runs_latest", "load.run-rows", "metadata.last-run",
            ] {
                #expect(checks[id]?.outcome == "pass", "\(id): \(checks[id] ?? ("missing", ""))")
            }
            let evidence = Self.evidence(run)
            for (id, command) in [
                (
                    "environment.clickhouse-answers",
                    "curl -sS -u admin 'http://127.0.0.1:8123/?query=SELECT%20version()'"
                ),
                ("quality.view.v_sales_14d", "clickhouse-client -d zakaz --param_job=qtickets_api <<'SQL'"),
                ("metadata.last-run", "clickhouse-client -d zakaz --param_job=qtickets_api <<'SQL'"),
                ("load.run-rows", "--param_run="), ("monitoring.healthz", "curl -sS"),
                ("automation.recent-runs", "systemctl show -p Result,ExecMainStatus,ExecMainStartTimestamp"),
            ] {
                #expect(evidence[id]?.contains(command) == true, "\(id): \(evidence[id] ?? "missing")")
            }
            #expect(
                checks["quality.fact_sales_daily"]?.found.contains("as staging says") == true,
                "the fact holds the staged days: \(checks["quality.fact_sales_daily"] ?? ("missing", ""))")

            // Views that answer rows, but wrong ones, which "has rows" passed: v_freshness always has its
            // five, v_job_runs_latest the row of verify's own run.
            for (view, replace) in [
                ("v_freshness", "stored_rows + 1 AS stored_rows"), ("v_job_runs_latest", "ok_runs + 1 AS ok_runs"),
            ] {
                try await admin.execute("RENAME TABLE zakaz.\(view) TO zakaz.\(view)_saved")
                try await admin.execute(
                    "CREATE VIEW zakaz.\(view) AS SELECT * REPLACE (\(replace)) FROM zakaz.\(view)_saved")
            }
            let wrong = Self.checks(
                try fixture.deployctl([
                    "--json", "verify", Self.host, "--output-dir", reports.path, "--only", "quality",
                ]))
            for view in ["v_freshness", "v_job_runs_latest"] {
                try await admin.execute("DROP VIEW zakaz.\(view)")
                try await admin.execute("RENAME TABLE zakaz.\(view)_saved TO zakaz.\(view)")
            }
            #expect(
                wrong["quality.view.v_freshness"]?.outcome == "fail"
                    && wrong["quality.view.v_freshness"]?.found.contains("rows in v_freshness") == true,
                "\(wrong["quality.view.v_freshness"] ?? ("missing", ""))")
            #expect(
                wrong["quality.view.v_job_runs_latest"]?.outcome == "fail"
                    && wrong["quality.view.v_job_runs_latest"]?.found.contains("in meta_job_runs") == true,
                "\(wrong["quality.view.v_job_runs_latest"] ?? ("missing", ""))")

            // One paid order's baskets gone: the fact loses its day and event, the check names the key.
            try await admin.execute(
                "ALTER TABLE zakaz.stg_qtickets_tickets DELETE WHERE order_id IN (SELECT min(order_id) FROM zakaz.stg_qtickets_orders WHERE paid_at IS NOT NULL) SETTINGS mutations_sync = 2"
            )
            let broken = Self.checks(
                try fixture.deployctl([
                    "--json", "verify", Self.host, "--output-dir", reports.path, "--only", "quality",
                ]))
            let fact = broken["quality.fact_sales_daily"]
            #expect(
                fact?.outcome == "fail" && fact?.found.contains("differing: ") == true
                    && fact?.found.contains(" event ") == true, "\(fact ?? ("missing", ""))")
            #expect(broken["quality.view.v_sales_14d"]?.outcome == "pass", "the window holds no paid order either way")
            withExtendedLifetime(server) {}
        } catch {
            Issue.record(error)
        }
        await fixture.cleanup()
    }
}
