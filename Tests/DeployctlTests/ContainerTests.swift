import ClickHouse
import Foundation
import Testbed
import Testing

/// The testbed's client-prod runs ClickHouse as the client's production does: in container
/// ch-zakaz (podman with its `docker` command), its HTTP port published on the host's 127.0.0.1.
/// env check, migrations, deploy and verify run against it, and the environment area tells a
/// stopped and an unhealthy container apart from a healthy one.
@Suite("ClickHouse in a container on client-prod", .serialized)
struct ContainerTests {
    static let host = "client-prod"
    static let container = "ch-zakaz"
    /// The environment file of the deploy target: ClickHouse in the container, no gate.
    static func dockerized(_ text: String) -> String {
        text.replacingOccurrences(
            of: "runs_as = \"systemd\"\nunit = \"clickhouse-server.service\"",
            with: "runs_as = \"docker\"\ncontainer = \"\(container)\"")
    }

    static func checks(_ run: DeployctlRun) -> [String: (outcome: String, found: String)] {
        var outcomes: [String: (String, String)] = [:]
        for host in (VerifyTests.result(run)["hosts"] as? [[String: Any]]) ?? [] {
            for check in (host["checks"] as? [[String: Any]]) ?? [] {
                if let id = check["id"] as? String {
                    outcomes[id] = (check["outcome"] as? String ?? "", check["found"] as? String ?? "")
                }
            }
        }
        return outcomes
    }

    @Test(
        "env check, deploy with its migrations, and verify against the container; a stopped and an unhealthy container fail the environment area"
    )
    func containerRuntime() async throws {
        let fixture = try await DeployFixture(host: Self.host, edit: Self.dockerized)
        let reports = try TemporaryDirectory("container-reports")
        do {
            let file = try String(contentsOfFile: fixture.environments + "/\(Self.host).toml", encoding: .utf8)
            #expect(file.contains("runs_as = \"docker\""), "\(file)")
            let checked = try fixture.deployctl(["--json", "env", "check", Self.host])
            #expect(
                checked.status == 0 && checked.stdout.contains(Self.container), "\(checked.stdout)\(checked.stderr)")

            let release = try DeployTests.buildID(fixture, ["--checkout", Testbed.repository.path, "--allow-dirty"])
            #expect(try fixture.deployctl(["setup", Self.host]).status == 0)
            #expect(try fixture.deployctl(["secrets", "push", Self.host, "--from", fixture.envFile()]).status == 0)
            let deployed = try fixture.deployctl(["deploy", Self.host, "--release", release])
            #expect(
                deployed.status == 0 && deployed.stdout.contains("migrations applied"),
                "\(deployed.stdout)\(deployed.stderr)")
            let verified = try fixture.deployctl(["--json", "verify", Self.host, "--output-dir", reports.path])
            let all = Self.checks(verified)
            #expect(verified.status == 0, "\(all.filter { $0.value.outcome == "fail" })")
            #expect(
                all["environment.clickhouse-container"]?.outcome == "pass"
                    && all["environment.clickhouse-container"]?.found.contains("healthy") == true,
                "\(String(describing: all["environment.clickhouse-container"]))")

            _ = try await fixture.run("docker stop --time 2 \(Self.container) >/dev/null")
            let stopped = Self.checks(
                try fixture.deployctl([
                    "--json", "verify", Self.host, "--output-dir", reports.path, "--only", "environment",
                ]))
            _ = try await fixture.run("docker start \(Self.container) >/dev/null")
            #expect(
                stopped["environment.clickhouse-container"]?.outcome == "fail"
                    && stopped["environment.clickhouse-container"]?.found.contains("exited") == true,
                "\(stopped)")
            #expect(stopped["environment.clickhouse-answers"]?.outcome == "fail", "\(stopped)")
            #expect(
                try await FaultTests.await(Self.healthy, on: fixture, seconds: 60), "healthy again after docker start")

            // A server that hangs: its process stopped, the health check times out and the container turns unhealthy.
            let pid = try await fixture.run("docker inspect -f '{{.State.Pid}}' \(Self.container)").trimmingCharacters(
                in: .whitespacesAndNewlines)
            _ = try await fixture.run("kill -STOP \(pid)")
            let unhealthy = try await FaultTests.await(
                "[ \"$(docker inspect -f '{{.State.Health.Status}}' \(Self.container))\" = unhealthy ]", on: fixture,
                seconds: 60)
            let hung = Self.checks(
                try fixture.deployctl([
                    "--json", "verify", Self.host, "--output-dir", reports.path, "--only", "environment",
                ]))
            _ = try await fixture.run("kill -CONT \(pid)")
            #expect(unhealthy, "the health check noticed")
            #expect(
                hung["environment.clickhouse-container"]?.outcome == "fail"
                    && hung["environment.clickhouse-container"]?.found.contains("unhealthy") == true,
                "\(hung)")
            #expect(try await FaultTests.await(Self.healthy, on: fixture, seconds: 60), "healthy again after SIGCONT")
        } catch {
            Issue.record(error)
        }
        // The health check's failed runs leave failed transient units behind: the host is not to stay "degraded".
        _ = try? await fixture.run(
            "docker start \(Self.container) >/dev/null 2>&1; kill -CONT $(docker inspect -f '{{.State.Pid}}' \(Self.container)) 2>/dev/null; systemctl reset-failed; true"
        )
        await fixture.cleanup()
    }

    static let healthy = "[ \"$(docker inspect -f '{{.State.Health.Status}}' \(container))\" = healthy ]"
}
