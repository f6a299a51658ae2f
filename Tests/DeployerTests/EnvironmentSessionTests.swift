import ClickHouse
import Console
import Deployer
import Environments
import Foundation
import SSH
import Testbed
import Testing

/// The session's own logic, with in-memory hosts: order, failures, ClickHouse access, closing.
@Suite("EnvironmentSession with in-memory hosts")
struct EnvironmentSessionTests {
    static func environment(
        hosts: [String], clickhouseHost: String? = nil, adminPassword: String = #"{ env = "CH_ADMIN_PASSWORD" }"#
    ) throws -> Environment {
        let hostTables = hosts.enumerated().map { index, name in
            "[[hosts]]\nname = \"\(name)\"\naddress = \"203.0.113.\(index + 10)\"\n"
        }.joined(separator: "\n")
        let text = """
            role = "staging"

            [ssh]
            user = "etl"

            \(hostTables)
            [app]
            root = "/opt/zakaz_dashboard"
            user = "etl"
            env_file = "/opt/zakaz_dashboard/secrets/.env.qtickets_api"

            [clickhouse]
            \(clickhouseHost.map { "host = \"\($0)\"" } ?? "")
            runs_as = "systemd"
            unit = "clickhouse-server.service"

            [clickhouse.admin]
            user = "admin"
            password = \(adminPassword)

            [clickhouse.writer]
            user = "etl_writer"
            password = { remote_file = "/opt/zakaz_dashboard/secrets/ch_writer" }
            """
        return try EnvironmentLoader(homeDirectory: "/home/tester", workingDirectory: "/srv").parse(
            text, name: "staging", sourcePath: "staging.toml")
    }

    /// Hosts whose connection takes longer the earlier they come, so completion order is the reverse of host order.
    final class Hosts: @unchecked Sendable {
        let lock = NSLock()
        var made: [String: InMemoryHost] = [:]
        let refused: Set<String>
        let files: [String: String]

        init(refused: Set<String> = [], files: [String: String] = [:]) {
            self.refused = refused
            self.files = files
        }

        var connector: HostConnector {
            HostConnector { host, _ throws(SSHError) in
                let delay = 100 - 30 * (Int(host.address.split(separator: ".").last ?? "") ?? 10) % 100
                try? await Task.sleep(for: .milliseconds(max(0, delay)))
                if self.refused.contains(host.name) {
                    throw SSHError(.connectionRefused, "\(host.name): connection refused")
                }
                let made = InMemoryHost(label: host.name, files: self.files) { command in
                    .init(stdout: "ran on \(host.name): \(command)")
                }
                self.lock.withLock { self.made[host.name] = made }
                return made
            }
        }
    }

    @Test("work runs on every host concurrently; results keep the environment's host order")
    func hostOrder() async throws {
        let environment = try Self.environment(hosts: ["a", "b", "c"])
        let hosts = Hosts()
        let session = await EnvironmentSession.open(environment, connector: hosts.connector)
        defer { session.close() }
        let outputs = await session.eachHost(
            { host, connection in
                (try? await connection.run("hostname").stdoutText) ?? "failed"
            }, unreachable: { _, failure in failure.description })
        #expect(outputs == ["ran on a: hostname", "ran on b: hostname", "ran on c: hostname"])
        let sequential = await session.eachHost(
            concurrently: false, { host, _ in host.name }, unreachable: { host, _ in host.name })
        #expect(sequential == ["a", "b", "c"])
    }

    @Test("a host that cannot be connected to keeps its SSH error code; the others work")
    func typedFailures() async throws {
        let environment = try Self.environment(hosts: ["a", "b"])
        let session = await EnvironmentSession.open(environment, connector: Hosts(refused: ["b"]).connector)
        defer { session.close() }
        #expect(session.failures.map(\.host) == ["b"])
        #expect(session.failures.first?.error.code == .connectionRefused)
        let outcomes = await session.eachHost(
            { host, _ in "\(host.name) ok" }, unreachable: { host, failure in "\(host.name) \(failure.error.code)" })
        #expect(outcomes == ["a ok", "b connectionRefused"])
        let encoded = try String(decoding: JSONEncoder().encode(session.failures[0]), as: UTF8.self)
        #expect(encoded.contains(#""code":"connectionRefused""#))
    }

    @Test("close() closes every connection exactly once, however often it is called")
    func closesOnce() async throws {
        let environment = try Self.environment(hosts: ["a", "b"])
        let hosts = Hosts()
        let session = await EnvironmentSession.open(environment, connector: hosts.connector)
        session.close()
        session.close()
        #expect(hosts.made.values.map(\.closeCount) == [1, 1])
    }

    @Test("ClickHouse is reached through [clickhouse] host; its password may live on that host")
    func clickhouseHost() async throws {
        let environment = try Self.environment(hosts: ["a", "b"], clickhouseHost: "b")
        let password = "pw-\(UInt32.random(in: 0..<UInt32.max))"
        let session = await EnvironmentSession.open(
            environment, connector: Hosts(files: ["/opt/zakaz_dashboard/secrets/ch_writer": password + "\n"]).connector)
        defer { session.close() }
        #expect(try await session.password(of: .writer) == password, "trailing newline dropped")
        let writer = try await session.clickhouse(as: .writer)
        #expect(writer.endpoint.user == "etl_writer" && writer.endpoint.database == "zakaz")
    }

    @Test(
        "an unresolvable password is a configuration failure naming the reference; an unreachable ClickHouse host is unreachable"
    )
    func accessFailures() async throws {
        let variable = "DEPLOYCTL_TEST_UNSET_\(UInt32.random(in: 0..<UInt32.max))"
        let environment = try Self.environment(hosts: ["a", "b"], adminPassword: "{ env = \"\(variable)\" }")
        let session = await EnvironmentSession.open(
            environment, connector: Hosts(refused: ["a"]).connector, processEnvironment: [:])
        defer { session.close() }
        do {
            _ = try await session.clickhouse(as: .admin)
            Issue.record("the ClickHouse host a is unreachable")
        } catch {
            #expect(error.failure.verdict == .unreachable && error.failure.code == "unreachable.ssh")
        }
        let other = await EnvironmentSession.open(environment, connector: Hosts().connector, processEnvironment: [:])
        defer { other.close() }
        do {
            _ = try await other.clickhouse(as: .admin)
            Issue.record("the admin password is not set")
        } catch {
            #expect(
                error.failure.verdict == .invalidConfiguration && error.failure.code == "invalid_configuration.secret")
            #expect(error.failure.message.contains("env:\(variable)"))
        }
    }
}
