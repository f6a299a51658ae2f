import ClickHouse
import Environments
import Foundation

extension VerifySuite {
    /// The ClickHouse server's own check skipped on a host that does not run it: one of several
    /// app servers whose database is the `[clickhouse]` host's.
    func skippedOffTheClickHouseHost(_ id: String, _ title: Message, expected: Message) -> CheckResult? {
        let server = target.environment.clickhouseHost.name
        guard target.hostName != server else { return nil }
        return CheckResult(
            id: id, area: .environment, title: title, outcome: .skip, expected: expected,
            found: Message(
                en: "skipped: \(target.hostName) does not run ClickHouse (the [clickhouse] host is \(server))",
                ru: "пропущено: на \(target.hostName) нет ClickHouse (хост [clickhouse] — \(server))"))
    }

    /// Area 1: ClickHouse runs as the environment says, answers through the tunnel, and nothing
    /// the pipeline owns listens beyond the host's loopback.
    func environmentChecks(_ facts: VerifyFacts) async -> [CheckResult] {
        var results: [CheckResult] = []
        let runtime = facts["clickhouse_runtime"] ?? ""
        switch target.environment.clickhouse.runtime {
        case .systemd(let unit):
            let title = Message(en: "ClickHouse's unit is active", ru: "Юнит ClickHouse активен")
            let expected = Message(en: "\(unit) active", ru: "\(unit) в состоянии active")
            results.append(
                skippedOffTheClickHouseHost("environment.clickhouse-unit", title, expected: expected)
                    ?? check(
                        "environment.clickhouse-unit", .environment, title, passed: runtime == "active",
                        expected: expected,
                        found: runtime.isEmpty ? Message(en: "unknown", ru: "неизвестно") : .verbatim(runtime),
                        evidence: "systemctl show -p ActiveState \(unit)",
                        remedy: Message(
                            en:
                                "start it: systemctl start \(unit); its journal says why it stopped (journalctl -u \(unit))",
                            ru:
                                "запустите его: systemctl start \(unit); почему он остановился, видно в журнале (journalctl -u \(unit))"
                        )))
        case .docker(let container):
            let verdict = Self.containerVerdict(runtime)
            let title = Message(
                en: "ClickHouse's container runs and is healthy", ru: "Контейнер ClickHouse запущен и здоров")
            let expected = Message(
                en: "container \(container) running, its health check healthy",
                ru: "контейнер \(container) запущен, его health check в состоянии healthy")
            results.append(
                skippedOffTheClickHouseHost("environment.clickhouse-container", title, expected: expected)
                    ?? check(
                        "environment.clickhouse-container", .environment, title, passed: verdict.passed,
                        expected: expected, found: verdict.found,
                        evidence: "docker inspect -f '{{.State.Status}} {{.State.Health.Status}}' \(container)",
                        remedy: Message(
                            en: "docker start \(container); docker logs \(container) says why it stopped",
                            ru: "docker start \(container); почему он остановился, покажет docker logs \(container)")))
        }
        let started = ContinuousClock.now
        // A server that hangs fails this check in seconds; the areas that need ClickHouse then skip.
        var probe = target.admin.endpoint.using(database: nil)
        probe.timeout = .seconds(10)
        let clickhouse = target.environment.clickhouse
        let answersCommand =
            "curl -sS -u \(clickhouse.admin.user) 'http://\(clickhouse.httpHost):\(clickhouse.httpPort)/?query=SELECT%20version()'  # on the host"
        var nativePort: String?
        let answersTitle = Message(
            en: "ClickHouse answers through the SSH tunnel", ru: "ClickHouse отвечает через SSH-туннель")
        let answersExpected = Message(en: "SELECT version() answers", ru: "SELECT version() отвечает")
        do {
            let client = ClickHouseClient(endpoint: probe, readAttempts: 1)
            let version = try await client.value("SELECT version()") ?? "?"
            nativePort = try? await client.value(
                "SELECT value FROM system.server_settings WHERE name = 'tcp_port'")
            results.append(
                CheckResult(
                    id: "environment.clickhouse-answers", area: .environment, title: answersTitle, outcome: .pass,
                    expected: answersExpected, found: .verbatim("ClickHouse \(version)"), evidence: answersCommand,
                    seconds: elapsed(started)))
        } catch {
            results.append(
                CheckResult(
                    id: "environment.clickhouse-answers", area: .environment, title: answersTitle, outcome: .fail,
                    expected: answersExpected, found: .verbatim(target.redact("\(error)")),
                    evidence: answersCommand,
                    remedy: Message(
                        en:
                            "check that ClickHouse listens on \(clickhouse.httpHost):\(clickhouse.httpPort) on the host",
                        ru: "проверьте, что ClickHouse слушает \(clickhouse.httpHost):\(clickhouse.httpPort) на хосте"),
                    seconds: elapsed(started)))
        }
        // The ports the environment and the units name: ClickHouse's HTTP port, its native port as the
        // server reports it (ClickHouse's default 9000 when it does not), the healthcheck's --serve.
        var ports = [("\(clickhouse.httpPort)", Message.verbatim("ClickHouse HTTP ([clickhouse] http_port)"))]
        if let nativePort, !nativePort.isEmpty, nativePort != "0" {
            ports.append(
                (
                    nativePort,
                    Message(en: "ClickHouse native (the server's tcp_port)", ru: "ClickHouse native (tcp_port сервера)")
                ))
        } else {
            ports.append(
                (
                    "9000",
                    Message(
                        en: "ClickHouse native (its default: the server reports no tcp_port)",
                        ru: "ClickHouse native (порт по умолчанию: сервер не сообщает tcp_port)")
                ))
        }
        if let unit = target.units.first(where: { $0.hasSuffix(".service") && $0.contains("healthcheck") }),
            let served = Self.servedAddress(
                VerifyFacts(output: facts.block("show:\(unit)"), command: "")["ExecStart"] ?? "")
        {
            ports.append(
                (
                    "\(served.port)",
                    Message(en: "the healthcheck (\(unit)'s --serve)", ru: "healthcheck (--serve юнита \(unit))")
                ))
        }
        let title = Message(
            en: "ClickHouse and the healthcheck listen on loopback only",
            ru: "ClickHouse и healthcheck слушают только loopback")
        let listed = Message.joined(ports.map { port in port.1.map { "\(port.0) (\($0))" } }, separator: ", ")
        let expected = Message(
            en: listed.english + " bound to 127.0.0.1 or ::1", ru: listed.russian + " привязаны к 127.0.0.1 или ::1")
        let evidence = "ss -Hltn"
        guard facts["listen_read"] == "yes" else {
            results.append(
                CheckResult(
                    id: "environment.loopback-only", area: .environment, title: title, severity: .warning,
                    outcome: .error, expected: expected,
                    found: Message(
                        en: "the listening sockets could not be read: ss and netstat failed or are not installed",
                        ru:
                            "не удалось прочитать слушающие сокеты: ss и netstat завершились с ошибкой или не установлены"
                    ),
                    evidence: evidence,
                    remedy: Message(en: "install iproute2 (ss) on the host", ru: "установите iproute2 (ss) на хост")))
            return results
        }
        let exposed = Self.exposed(facts.block("listen").split(separator: "\n").map(String.init), ports: ports.map(\.0))
        results.append(
            check(
                "environment.loopback-only", .environment, title, severity: .warning,
                passed: exposed.isEmpty, expected: expected,
                found: exposed.isEmpty
                    ? Message(en: "loopback only", ru: "только loopback")
                    : Message(
                        en: "reachable beyond loopback: " + exposed.joined(separator: ", "),
                        ru: "доступны не только через loopback: " + exposed.joined(separator: ", ")),
                evidence: evidence,
                remedy: Message(
                    en:
                        "bind them to 127.0.0.1 (listen_host in ClickHouse's config, the healthcheck's --serve address) and reach them through SSH",
                    ru:
                        "привяжите их к 127.0.0.1 (listen_host в конфигурации ClickHouse, адрес --serve у healthcheck) и обращайтесь к ним через SSH"
                )))
        return results
    }

    /// Whether `docker inspect`'s `<status> <health>` is a running container whose health check says
    /// healthy; starting, unhealthy, or no health check at all (nothing then says the server inside
    /// answers) does not pass.
    static func containerVerdict(_ runtime: String) -> (passed: Bool, found: Message) {
        let words = runtime.split(separator: " ").map(String.init)
        switch (words.first, words.dropFirst().first) {
        case ("running"?, "healthy"?): return (true, Message(en: "running, healthy", ru: "запущен, healthy"))
        case ("running"?, "starting"?):
            return (
                false,
                Message(
                    en: "running, health check still starting: not yet healthy",
                    ru: "запущен, health check ещё в состоянии starting: пока не healthy")
            )
        case ("running"?, let health?): return (false, Message(en: "running, \(health)", ru: "запущен, \(health)"))
        case ("running"?, nil):
            return (
                false,
                Message(
                    en: "running without a health check: nothing says ClickHouse inside answers",
                    ru: "запущен без health check: ничто не подтверждает, что ClickHouse внутри отвечает")
            )
        default:
            let text = runtime.trimmingCharacters(in: .whitespaces)
            return (false, text.isEmpty ? Message(en: "unknown", ru: "неизвестно") : .verbatim(text))
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
