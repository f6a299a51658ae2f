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
            let verdict = Self.containerVerdict(runtime)
            results.append(
                check(
                    "environment.clickhouse-container", .environment, "ClickHouse's container runs and is healthy",
                    passed: verdict.passed,
                    expected: "container \(container) running, its health check healthy", found: verdict.found,
                    evidence: "docker inspect -f '{{.State.Status}} {{.State.Health.Status}}' \(container)",
                    remedy: "docker start \(container); docker logs \(container) says why it stopped"))
        }
        let started = ContinuousClock.now
        // A server that hangs fails this check in seconds; the areas that need ClickHouse then skip.
        var probe = target.admin.endpoint.using(database: nil)
        probe.timeout = .seconds(10)
        let clickhouse = target.environment.clickhouse
        let answersCommand =
            "curl -sS -u \(clickhouse.admin.user) 'http://\(clickhouse.httpHost):\(clickhouse.httpPort)/?query=SELECT%20version()'  # on the host"
        var nativePort: String?
        do {
            let client = ClickHouseClient(endpoint: probe, readAttempts: 1)
            let version = try await client.value("SELECT version()") ?? "?"
            nativePort = try? await client.value(
                "SELECT value FROM system.server_settings WHERE name = 'tcp_port'")
            results.append(
                CheckResult(
                    id: "environment.clickhouse-answers", area: .environment,
                    title: "ClickHouse answers through the SSH tunnel", outcome: .pass,
                    expected: "SELECT version() answers", found: "ClickHouse \(version)", evidence: answersCommand,
                    seconds: elapsed(started)))
        } catch {
            results.append(
                CheckResult(
                    id: "environment.clickhouse-answers", area: .environment,
                    title: "ClickHouse answers through the SSH tunnel", outcome: .fail,
                    expected: "SELECT version() answers", found: target.redact("\(error)"),
                    evidence: answersCommand,
                    remedy:
                        "check that ClickHouse listens on \(target.environment.clickhouse.httpHost):\(target.environment.clickhouse.httpPort) on the host",
                    seconds: elapsed(started)))
        }
        // The ports the environment and the units name: ClickHouse's HTTP port, its native port as the
        // server reports it (ClickHouse's default 9000 when it does not), the healthcheck's --serve.
        var ports = [("\(target.environment.clickhouse.httpPort)", "ClickHouse HTTP ([clickhouse] http_port)")]
        if let nativePort, !nativePort.isEmpty, nativePort != "0" {
            ports.append((nativePort, "ClickHouse native (the server's tcp_port)"))
        } else {
            ports.append(("9000", "ClickHouse native (its default: the server reports no tcp_port)"))
        }
        if let unit = target.units.first(where: { $0.hasSuffix(".service") && $0.contains("healthcheck") }),
            let served = Self.servedAddress(
                VerifyFacts(output: facts.block("show:\(unit)"), command: "")["ExecStart"] ?? "")
        {
            ports.append(("\(served.port)", "the healthcheck (\(unit)'s --serve)"))
        }
        let title = "ClickHouse and the healthcheck listen on loopback only"
        let expected =
            ports.map { "\($0.0) (\($0.1))" }.joined(separator: ", ") + " bound to 127.0.0.1 or ::1"
        let evidence = "ss -Hltn"
        guard facts["listen_read"] == "yes" else {
            results.append(
                CheckResult(
                    id: "environment.loopback-only", area: .environment, title: title, severity: .warning,
                    outcome: .error, expected: expected,
                    found: "the listening sockets could not be read: ss and netstat failed or are not installed",
                    evidence: evidence, remedy: "install iproute2 (ss) on the host"))
            return results
        }
        let exposed = Self.exposed(facts.block("listen").split(separator: "\n").map(String.init), ports: ports.map(\.0))
        results.append(
            check(
                "environment.loopback-only", .environment, title, severity: .warning,
                passed: exposed.isEmpty, expected: expected,
                found: exposed.isEmpty
                    ? "loopback only" : "reachable beyond loopback: " + exposed.joined(separator: ", "),
                evidence: evidence,
                remedy:
                    "bind them to 127.0.0.1 (listen_host in ClickHouse's config, the healthcheck's --serve address) and reach them through SSH"
            ))
        return results
    }

    /// Whether `docker inspect`'s `<status> <health>` is a running container whose health check says
    /// healthy; starting, unhealthy, or no health check at all (nothing then says the server inside
    /// answers) does not pass.
    static func containerVerdict(_ runtime: String) -> (passed: Bool, found: String) {
        let words = runtime.split(separator: " ").map(String.init)
        switch (words.first, words.dropFirst().first) {
        case ("running"?, "healthy"?): return (true, "running, healthy")
        case ("running"?, "starting"?): return (false, "running, health check still starting: not yet healthy")
        case ("running"?, let health?): return (false, "running, \(health)")
        case ("running"?, nil):
            return (false, "running without a health check: nothing says ClickHouse inside answers")
        default:
            let text = runtime.trimmingCharacters(in: .whitespaces)
            return (false, text.isEmpty ? "unknown" : text)
        }
    }

    /// The local addresses among `listening` (as ss prints them, `address:port`) on one of `ports` that
    /// are not loopback: wildcards (every address) and specific public or private addresses alike.
    static func exposed(_ listening: [String], ports: [String]) -> [String] {
        listening.filter { socket in
            guard let colon = socket.lastIndex(of: ":") else { return false }
            let port = String(socket[socket.index(after: colon)...])
            var address = String(socket[..<colon])
            if let percent = address.firstIndex(of: "%") { address = String(address[..<percent]) }
            address = address.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            let loopback =
                address.hasPrefix("127.") || address == "::1" || address == "::ffff:127.0.0.1" || address == "localhost"
            return ports.contains(port) && !loopback
        }
    }
}
