import ClickHouse
import Environments
import Foundation

extension VerifySuite {
    /// Area 1: ClickHouse runs as the environment says, answers through the tunnel, and nothing
    /// the pipeline owns listens beyond the host's loopback.
    func environmentChecks(_ facts: VerifyFacts) async -> [CheckResult] {
        var results: [CheckResult] = []
        let runtime = facts["clickhouse_runtime"] ?? ""
        switch target.environment.clickhouse.runtime {
        case .systemd(let unit):
            results.append(
                check(
                    "environment.clickhouse-unit", .environment, "ClickHouse's unit is active",
                    passed: runtime == "active",
                    expected: "\(unit) active", found: runtime.isEmpty ? "unknown" : runtime,
                    evidence: "systemctl show -p ActiveState \(unit)",
                    remedy: "start it: systemctl start \(unit); its journal says why it stopped (journalctl -u \(unit))"
                ))
        case .docker(let container):
            let healthy = runtime.hasPrefix("running") && !runtime.contains("unhealthy")
            results.append(
                check(
                    "environment.clickhouse-container", .environment, "ClickHouse's container runs and is healthy",
                    passed: healthy,
                    expected: "container \(container) running (healthy)", found: runtime.isEmpty ? "unknown" : runtime,
                    evidence: "docker inspect -f '{{.State.Status}} {{.State.Health.Status}}' \(container)",
                    remedy: "docker start \(container); docker logs \(container) says why it stopped"))
        }
        let started = ContinuousClock.now
        // A server that hangs fails this check in seconds; the areas that need ClickHouse then skip.
        var probe = target.admin.endpoint.using(database: nil)
        probe.timeout = .seconds(10)
        do {
            let version = try await ClickHouseClient(endpoint: probe, readAttempts: 1).value("SELECT version()") ?? "?"
            results.append(
                CheckResult(
                    id: "environment.clickhouse-answers", area: .environment,
                    title: "ClickHouse answers through the SSH tunnel", outcome: .pass,
                    expected: "SELECT version() answers", found: "ClickHouse \(version)", evidence: "SELECT version()",
                    seconds: elapsed(started)))
        } catch {
            results.append(
                CheckResult(
                    id: "environment.clickhouse-answers", area: .environment,
                    title: "ClickHouse answers through the SSH tunnel", outcome: .fail,
                    expected: "SELECT version() answers", found: target.redact("\(error)"),
                    evidence: "SELECT version()",
                    remedy:
                        "check that ClickHouse listens on \(target.environment.clickhouse.httpHost):\(target.environment.clickhouse.httpPort) on the host",
                    seconds: elapsed(started)))
        }
        let exposed = facts.block("listen").split(separator: "\n").map(String.init).filter { address in
            let port = address.split(separator: ":").last.map(String.init) ?? ""
            let open =
                address.hasPrefix("0.0.0.0:") || address.hasPrefix("*:") || address.hasPrefix("[::]:")
                || address.hasPrefix(":::")
            return open && ["8123", "9000", "18080"].contains(port)
        }
        results.append(
            check(
                "environment.loopback-only", .environment, "ClickHouse and the healthcheck listen on loopback only",
                severity: .warning,
                passed: exposed.isEmpty, expected: "8123, 9000 and 18080 bound to 127.0.0.1 or ::1",
                found: exposed.isEmpty ? "loopback only" : "open on every address: " + exposed.joined(separator: ", "),
                evidence: "ss -Hltn",
                remedy:
                    "bind them to 127.0.0.1 (listen_host in ClickHouse's config, the healthcheck's --serve address) and reach them through SSH"
            ))
        return results
    }
}
