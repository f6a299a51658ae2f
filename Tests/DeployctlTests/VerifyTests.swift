import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testbed
import Testing

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

    @Test("a fresh deploy passes every check; each breakage fails exactly its checks; the gate follows the newest record")
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
            #expect(closed.status == 1 && closed.stdout.contains("never been verified"), "\(closed.stdout)\(closed.stderr)")
            let refused = try fixture.deployctl(["deploy", "prodgate", "--release", release])
            #expect(refused.status == 1 && refused.stderr.contains("the gate is closed"), "\(refused.stdout)\(refused.stderr)")
            #expect(try fixture.deployctl(["deploy", Self.host, "--release", release]).status == 0)

            let verified = try fixture.deployctl(["--json", "verify", Self.host, "--output-dir", reports.path, "--junit", reports.file("junit.xml")])
            let outcomes = Self.checks(verified)
            #expect(verified.status == 0, "\(outcomes.filter { $0.value != "pass" })\n\(verified.stdout.prefix(3000))\(verified.stderr)")
            #expect(outcomes.count >= 25 && Set(outcomes.values).isSubset(of: ["pass", "skip"]) || outcomes.values.filter { $0 == "fail" }.isEmpty, "\(outcomes)")
            let markdown = try String(contentsOfFile: reports.file("TASK-QT-API-E2E-REPORT.md"), encoding: .utf8)
            #expect(markdown.contains("## Вердикт: ✅ ГОТОВО к выкладке") && markdown.contains("## Критерии успеха") && markdown.contains(release), "\(markdown.prefix(1500))")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: reports.file("e2e-report.json")))) as? [String: Any])
            #expect(json["schema"] as? String == "deployctl-e2e/1" && json["release"] as? String == release)
            let junit = try Data(contentsOf: URL(fileURLWithPath: reports.file("junit.xml")))
            #expect(XMLParser(data: junit).parse(), "JUnit parses")
            let secrets = [fixture.token, try String(contentsOfFile: Testbed.directory + "/secrets/clickhouse-writer", encoding: .utf8),
                           try String(contentsOfFile: Testbed.directory + "/secrets/clickhouse-admin", encoding: .utf8)]
            for text in [markdown, String(decoding: junit, as: UTF8.self), verified.stdout, verified.stderr] {
                #expect(!secrets.contains { text.contains($0) }, "no secret in any output")
            }
            let english = try fixture.deployctl(["verify", Self.host, "--lang", "en", "--output-dir", reports.path, "--only", "environment"])
            #expect(try String(contentsOfFile: reports.file("TASK-QT-API-E2E-REPORT.md"), encoding: .utf8).contains("## Verdict"), "\(english.stdout)")

            let open = try fixture.deployctl(["gate", "status", "prodgate", "--release", release])
            #expect(open.status == 0 && open.stdout.contains("open"), "\(open.stdout)\(open.stderr)")

            // Breakages, one at a time: each fails exactly its checks.
            _ = try await fixture.run("systemctl disable --now qtickets_api.timer")
            let timer = Self.checks(try fixture.deployctl(["--json", "verify", Self.host, "--output-dir", reports.path]))
            #expect(timer["automation.timer"] == "fail" && timer.filter { $0.value == "fail" }.count == 1, "\(timer.filter { $0.value == "fail" })")
            _ = try await fixture.run("systemctl enable --now qtickets_api.timer")

            let revoked = try fixture.deployctl(["gate", "status", "prodgate", "--release", release])
            #expect(revoked.status == 1 && revoked.stdout.contains("failed") && revoked.stdout.contains("revokes an earlier pass"), "\(revoked.stdout)")

            _ = try await fixture.run("echo '# edited by hand' >> /etc/systemd/system/qtickets_healthcheck.service")
            let unit = Self.checks(try fixture.deployctl(["--json", "verify", Self.host, "--output-dir", reports.path, "--only", "automation"]))
            #expect(unit["automation.units"] == "fail", "\(unit)")
            _ = try await fixture.run("sed -i '$d' /etc/systemd/system/qtickets_healthcheck.service")

            #expect(try fixture.deployctl(["verify", Self.host, "--output-dir", reports.path]).status == 0)
            let forced = try fixture.deployctl(["deploy", "prodgate", "--release", release])
            #expect(forced.status == 0, "the gate is open again after a passing verification: \(forced.stdout)\(forced.stderr)")
            let audit = try fixture.deployctl(["audit", Self.host])
            #expect(audit.stdout.contains("verify"), "verifications are in the audit chain: \(audit.stdout)")
        } catch {
            Issue.record(error)
        }
        await fixture.cleanup()
    }
}
