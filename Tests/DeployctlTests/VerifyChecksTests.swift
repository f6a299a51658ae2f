import ClickHouse
import Foundation
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

            // Served on another port (a drop-in of the operator's): the checks ask where the unit serves.
            try await serve("--serve 127.0.0.1:18099", port: 18099)
            let moved = try verify(["monitoring"])
            #expect(
                moved["monitoring.healthz"]?.outcome == "pass" && moved["monitoring.metrics"]?.outcome == "pass",
                "\(moved)")

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
}
