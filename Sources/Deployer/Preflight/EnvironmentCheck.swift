import ClickHouse
import Console
import Environments
import Foundation
import HostScripts
import SSH

/// `deployctl env check`: the facts a deploy depends on, for every host of a session, each as ok,
/// warn or fail.
///
/// All host facts come from one remote command, so a host costs one command, and the ClickHouse
/// host one more HTTP request through the session's tunnel, whatever the number of checks.
public struct EnvironmentCheck: Sendable {
    public let environment: Environment
    /// The pipeline's units, whose state on each host is reported.
    public let units: PipelineUnits

    /// Free space below which the disk check fails, and below which it warns.
    public static let diskFailBytes: UInt64 = 1 << 30
    public static let diskWarnBytes: UInt64 = 5 << 30

    public init(environment: Environment, units: PipelineUnits) {
        self.environment = environment
        self.units = units
    }

    /// Checks every host of `session` concurrently; never throws, failures are reported as checks.
    public func run(in session: EnvironmentSession) async -> EnvironmentCheckReport {
        let hosts = await session.eachHost(
            { host, connection in
                await check(host: host, connection: connection, session: session)
            },
            unreachable: { host, failure in
                HostCheckReport(
                    host: host.name, address: Self.address(of: host), reachable: false,
                    checks: [HostCheck("ssh", .fail, failure.description)])
            })
        return EnvironmentCheckReport(environment: environment.name, hosts: hosts)
    }

    static func address(of host: Environment.Host) -> String { "\(host.user)@\(host.address):\(host.port)" }

    private func check(host: Environment.Host, connection: any RemoteHost, session: EnvironmentSession) async
        -> HostCheckReport
    {
        var checks = [HostCheck("ssh", .ok, "\(connection.hostKey.displayType) \(connection.hostKey.fingerprint)")]
        let runsClickHouse = host.name == environment.clickhouse.host
        do throws(SSHError) {
            let result = try await connection.run(
                HostScriptSource.envCheckFacts.commandLine(factsArguments(clickhouse: runsClickHouse)),
                options: .init(timeout: host.commandTimeout))
            let facts = HostFacts(output: result.stdoutText)
            checks += factChecks(facts)
            if runsClickHouse {
                checks.append(clickHouseServiceCheck(facts))
                checks.append(await clickHouseCheck(session))
            }
        } catch {
            checks.append(HostCheck("facts", .fail, error.description))
        }
        return HostCheckReport(host: host.name, address: Self.address(of: host), reachable: true, checks: checks)
    }

    // MARK: - Host facts

    /// The arguments of `env-check-facts.sh`; the ClickHouse service is asked about on its host only.
    func factsArguments(clickhouse: Bool) -> [String] {
        let service: [String]
        switch environment.clickhouse.runtime {
        case .systemd(let unit): service = ["systemd", unit]
        case .docker(let container): service = ["docker", container]
        }
        return [environment.app.root] + (clickhouse ? service : ["none", ""]) + units.names
    }

    func factChecks(_ facts: HostFacts) -> [HostCheck] {
        var checks = [HostCheck("os", .ok, "\(facts["os"] ?? "unknown"), kernel \(facts["kernel"] ?? "?")")]
        let systemd = facts["systemd"] ?? ""
        let state = facts["state"] ?? ""
        if systemd.isEmpty {
            checks.append(
                HostCheck("systemd", .fail, "systemctl not found: deployctl installs the pipeline as systemd units"))
        } else {
            let version = systemd.split(separator: " ").prefix(2).joined(separator: " ")
            let status: CheckStatus = state == "running" ? .ok : (state == "degraded" ? .warn : .fail)
            let hint = state == "degraded" ? " (see `systemctl --failed` on the host)" : ""
            checks.append(
                HostCheck("systemd", status, "\(version), system \(state.isEmpty ? "unknown" : state)\(hint)"))
        }
        if let kilobytes = facts["disk"].flatMap(UInt64.init) {
            let bytes = kilobytes * 1024
            let status: CheckStatus = bytes < Self.diskFailBytes ? .fail : (bytes < Self.diskWarnBytes ? .warn : .ok)
            let path = facts["disk_path"] ?? environment.app.root
            var detail = "\(Self.gibibytes(bytes)) free at \(path)"
            if facts["root_exists"] != "yes" {
                detail += " (\(environment.app.root) does not exist yet; the first deploy creates it)"
            }
            checks.append(HostCheck("disk", status, detail))
        } else {
            checks.append(HostCheck("disk", .fail, "cannot read free space at \(environment.app.root)"))
        }
        for unit in units.names {
            let states = (facts["unit:" + unit] ?? "").split(separator: " ").map(String.init)
            if states.first == "loaded" {
                checks.append(HostCheck("unit " + unit, .ok, states.dropFirst().joined(separator: ", ")))
            } else {
                checks.append(HostCheck("unit " + unit, .warn, "not installed (a deploy installs it)"))
            }
        }
        return checks
    }

    func clickHouseServiceCheck(_ facts: HostFacts) -> HostCheck {
        let service = facts["clickhouse_service"] ?? ""
        switch environment.clickhouse.runtime {
        case .systemd(let unit):
            return HostCheck(
                "clickhouse-service", service == "active" ? .ok : .fail,
                "\(unit) is \(service.isEmpty ? "unknown" : service)")
        case .docker(let container):
            let healthy = service.hasPrefix("running") && !service.contains("unhealthy")
            return HostCheck(
                "clickhouse-service", healthy ? .ok : .fail,
                "container \(container): \(service.isEmpty ? "unknown" : service)")
        }
    }

    static func gibibytes(_ bytes: UInt64) -> String {
        String(format: "%.1f GiB", Double(bytes) / Double(1 << 30))
    }

    // MARK: - ClickHouse through a tunnel

    private func clickHouseCheck(_ session: EnvironmentSession) async -> HostCheck {
        let clickhouse = environment.clickhouse
        let endpoint = "\(clickhouse.httpHost):\(clickhouse.httpPort) on the host"
        let tunnel: any PortForward
        do throws(ClickHouseAccessError) {
            tunnel = try session.clickhouseTunnel()
        } catch {
            return HostCheck("clickhouse-http", .fail, error.description)
        }
        let client: ClickHouseClient
        do throws(ClickHouseAccessError) {
            client = try await session.clickhouse(as: .admin, timeout: .seconds(10), readAttempts: 1)
        } catch {
            let anonymous = ClickHouseClient(
                endpoint: ClickHouseEndpoint(
                    url: URL(string: "http://127.0.0.1:\(tunnel.localPort)")!, user: "", password: "",
                    timeout: .seconds(10)),
                readAttempts: 1)
            guard await anonymous.ping() else {
                return unreachable(endpoint, tunnel: tunnel, error: "nothing answers /ping")
            }
            return HostCheck("clickhouse-http", .warn, "answers /ping at \(endpoint); version unknown: \(error)")
        }
        do throws(ClickHouseError) {
            let version = try await client.using(database: nil).value("SELECT version()") ?? "?"
            return HostCheck(
                "clickhouse-http", .ok,
                "ClickHouse \(version) at \(endpoint), through the SSH tunnel, as \(clickhouse.admin.user)")
        } catch  where error.kind == .server {
            return HostCheck("clickhouse-http", .fail, "\(endpoint): \(error)")
        } catch {
            return unreachable(endpoint, tunnel: tunnel, error: error.description)
        }
    }

    private func unreachable(_ endpoint: String, tunnel: any PortForward, error: String) -> HostCheck {
        if let refused = tunnel.lastError {
            let reason = refused.libssh2?.text ?? refused.message
            return HostCheck(
                "clickhouse-http", .fail,
                "\(endpoint): the host's sshd could not connect there (\(reason)); is ClickHouse running and listening on that address?"
            )
        }
        return HostCheck("clickhouse-http", .fail, "\(endpoint): \(error) (is ClickHouse running and listening there?)")
    }
}

/// `key=value` lines printed by the facts script.
struct HostFacts {
    private var values: [String: String] = [:]

    init(output: String) {
        for line in output.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            values[String(line[..<equals])] = String(line[line.index(after: equals)...]).trimmingCharacters(
                in: .whitespaces)
        }
    }

    subscript(key: String) -> String? { values[key] }
}
