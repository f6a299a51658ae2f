import ClickHouse
import Environments
import Foundation
import SSH

/// `deployctl env check`: connects to every host of an environment and reports the facts a
/// deploy depends on, each as ok, warn or fail.
///
/// All host facts come from one remote command, so a host costs one connection, one command and
/// one HTTP request through a tunnel, whatever the number of checks.
public struct EnvironmentCheck: Sendable {
    public let environment: Environment
    public let processEnvironment: [String: String]

    /// Free space below which the disk check fails, and below which it warns.
    public static let diskFailBytes: UInt64 = 1 << 30
    public static let diskWarnBytes: UInt64 = 5 << 30

    public init(environment: Environment, processEnvironment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
        self.processEnvironment = processEnvironment
    }

    /// Checks every host concurrently; never throws, failures are reported as checks.
    public func run() async -> EnvironmentCheckReport {
        let connections = await HostConnector.connect(environment.hosts)
        var reports: [HostCheckReport] = []
        await withTaskGroup(of: HostCheckReport.self) { group in
            for host in environment.hosts {
                let connection = connections[host.name]!
                group.addTask { await check(host: host, connection: connection) }
            }
            for await report in group { reports.append(report) }
        }
        for case .success(let connection) in connections.values { connection.close() }
        let order = environment.hosts.map(\.name)
        return EnvironmentCheckReport(
            environment: environment.name,
            hosts: reports.sorted { order.firstIndex(of: $0.host)! < order.firstIndex(of: $1.host)! })
    }

    private func check(host: Environment.Host, connection attempt: Result<SSHConnection, SSHError>) async -> HostCheckReport {
        let address = "\(host.user)@\(host.address):\(host.port)"
        let connection: SSHConnection
        switch attempt {
        case .failure(let error):
            return HostCheckReport(host: host.name, address: address, checks: [HostCheck("ssh", .fail, error.description)])
        case .success(let open):
            connection = open
        }
        var checks = [HostCheck("ssh", .ok, "\(connection.hostKey.displayType) \(connection.hostKey.fingerprint)")]
        do throws(SSHError) {
            let result = try await connection.run(factsScript, options: .init(timeout: host.commandTimeout))
            let facts = HostFacts(output: result.stdoutText)
            checks += factChecks(facts)
            checks.append(await clickHouseCheck(connection))
        } catch {
            checks.append(HostCheck("facts", .fail, error.description))
        }
        return HostCheckReport(host: host.name, address: address, checks: checks)
    }

    // MARK: - Host facts

    var factsScript: String {
        let root = ShellQuote.quote(environment.app.root)
        var lines = [
            #". /etc/os-release 2>/dev/null; echo "os=${PRETTY_NAME:-unknown}""#,
            #"echo "kernel=$(uname -r)""#,
            #"echo "systemd=$(systemctl --version 2>/dev/null | head -n1)""#,
            #"echo "state=$(systemctl is-system-running 2>/dev/null)""#,
            "d=\(root); while [ ! -e \"$d\" ]; do d=$(dirname \"$d\"); done",
            #"echo "disk_path=$d"; echo "disk=$(df -Pk "$d" | awk 'NR==2 {print $4}')""#,
            "[ -d \(root) ] && echo root_exists=yes || echo root_exists=no",
        ]
        for unit in PipelineUnits.names {
            lines.append(#"echo "unit:\#(unit)=$(systemctl show -p LoadState -p ActiveState -p UnitFileState --value \#(unit) 2>/dev/null | tr '\n' ' ')""#)
        }
        switch environment.clickhouse.runtime {
        case .systemd(let unit):
            lines.append(#"echo "clickhouse_service=$(systemctl is-active \#(ShellQuote.quote(unit)) 2>/dev/null)""#)
        case .docker(let container):
            lines.append(
                #"echo "clickhouse_service=$(docker inspect -f '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}' \#(ShellQuote.quote(container)) 2>&1 | head -n1)""#
            )
        }
        return lines.joined(separator: "\n")
    }

    func factChecks(_ facts: HostFacts) -> [HostCheck] {
        var checks = [HostCheck("os", .ok, "\(facts["os"] ?? "unknown"), kernel \(facts["kernel"] ?? "?")")]
        let systemd = facts["systemd"] ?? ""
        let state = facts["state"] ?? ""
        if systemd.isEmpty {
            checks.append(HostCheck("systemd", .fail, "systemctl not found: deployctl installs the pipeline as systemd units"))
        } else {
            let version = systemd.split(separator: " ").prefix(2).joined(separator: " ")
            let status: CheckStatus = state == "running" ? .ok : (state == "degraded" ? .warn : .fail)
            let hint = state == "degraded" ? " (see `systemctl --failed` on the host)" : ""
            checks.append(HostCheck("systemd", status, "\(version), system \(state.isEmpty ? "unknown" : state)\(hint)"))
        }
        if let kilobytes = facts["disk"].flatMap(UInt64.init) {
            let bytes = kilobytes * 1024
            let status: CheckStatus = bytes < Self.diskFailBytes ? .fail : (bytes < Self.diskWarnBytes ? .warn : .ok)
            let path = facts["disk_path"] ?? environment.app.root
            var detail = "\(Self.gibibytes(bytes)) free at \(path)"
            if facts["root_exists"] != "yes" { detail += " (\(environment.app.root) does not exist yet; the first deploy creates it)" }
            checks.append(HostCheck("disk", status, detail))
        } else {
            checks.append(HostCheck("disk", .fail, "cannot read free space at \(environment.app.root)"))
        }
        let service = facts["clickhouse_service"] ?? ""
        switch environment.clickhouse.runtime {
        case .systemd(let unit):
            checks.append(HostCheck("clickhouse-service", service == "active" ? .ok : .fail, "\(unit) is \(service.isEmpty ? "unknown" : service)"))
        case .docker(let container):
            let healthy = service.hasPrefix("running") && !service.contains("unhealthy")
            checks.append(HostCheck("clickhouse-service", healthy ? .ok : .fail, "container \(container): \(service.isEmpty ? "unknown" : service)"))
        }
        for unit in PipelineUnits.names {
            let states = (facts["unit:" + unit] ?? "").split(separator: " ").map(String.init)
            if states.first == "loaded" {
                checks.append(HostCheck("unit " + unit, .ok, states.dropFirst().joined(separator: ", ")))
            } else {
                checks.append(HostCheck("unit " + unit, .warn, "not installed (a deploy installs it)"))
            }
        }
        return checks
    }

    static func gibibytes(_ bytes: UInt64) -> String {
        String(format: "%.1f GiB", Double(bytes) / Double(1 << 30))
    }

    // MARK: - ClickHouse through a tunnel

    private func clickHouseCheck(_ connection: SSHConnection) async -> HostCheck {
        let clickhouse = environment.clickhouse
        let endpoint = "\(clickhouse.httpHost):\(clickhouse.httpPort) on the host"
        let tunnel: SSHTunnel
        do throws(SSHError) {
            tunnel = try connection.openTunnel(toPort: clickhouse.httpPort, host: clickhouse.httpHost)
        } catch {
            return HostCheck("clickhouse-http", .fail, error.description)
        }
        defer { tunnel.close() }
        let password: String?
        let passwordProblem: String?
        do {
            password = try await resolve(clickhouse.admin.password, over: connection)
            passwordProblem = nil
        } catch {
            password = nil
            passwordProblem = "\(error)"
        }
        let client = ClickHouseClient(
            endpoint: ClickHouseEndpoint(
                url: URL(string: "http://127.0.0.1:\(tunnel.localPort)")!, user: clickhouse.admin.user, password: password ?? "",
                timeout: .seconds(10)),
            readAttempts: 1)
        if let password = password, !password.isEmpty {
            do throws(ClickHouseError) {
                let version = try await client.value("SELECT version()") ?? "?"
                return HostCheck("clickhouse-http", .ok, "ClickHouse \(version) at \(endpoint), through the SSH tunnel, as \(clickhouse.admin.user)")
            } catch where error.kind == .server {
                return HostCheck("clickhouse-http", .fail, "\(endpoint): \(error)")
            } catch {
                return unreachable(endpoint, tunnel: tunnel, error: error.description)
            }
        }
        guard await client.ping() else { return unreachable(endpoint, tunnel: tunnel, error: "nothing answers /ping") }
        return HostCheck(
            "clickhouse-http", .warn,
            "answers /ping at \(endpoint); version unknown: the admin password is not available (\(passwordProblem ?? "empty"))")
    }

    private func unreachable(_ endpoint: String, tunnel: SSHTunnel, error: String) -> HostCheck {
        if let refused = tunnel.lastError {
            let reason = refused.libssh2?.text ?? refused.message
            return HostCheck(
                "clickhouse-http", .fail,
                "\(endpoint): the host's sshd could not connect there (\(reason)); is ClickHouse running and listening on that address?")
        }
        return HostCheck("clickhouse-http", .fail, "\(endpoint): \(error) (is ClickHouse running and listening there?)")
    }

    private func resolve(_ secret: SecretReference, over connection: SSHConnection) async throws -> String {
        try await ClickHouseSession.resolve(secret, over: connection, environment: processEnvironment)
    }
}

/// `key=value` lines printed by the facts script.
struct HostFacts {
    private var values: [String: String] = [:]

    init(output: String) {
        for line in output.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            values[String(line[..<equals])] = String(line[line.index(after: equals)...]).trimmingCharacters(in: .whitespaces)
        }
    }

    subscript(key: String) -> String? { values[key] }
}
