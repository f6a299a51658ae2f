import AsyncHTTPClient
import ClickHouse
import Deployer
import Foundation
import Migrator
import NIOCore
import NIOHTTP1
import QTicketsSimulator
import SSH
import Testbed
import Testing

/// The pipeline as it runs in production: the static `qtickets-api` binary (no Swift on the host)
/// under the shipped systemd units on a testbed host, started by its timer as the unprivileged
/// `qtickets` user, loading from the simulator (outside the host, like the internet) into the
/// host's own ClickHouse as `etl_writer`, and the healthcheck unit answering through an SSH tunnel.
///
/// Against a real server: DEPLOYCTL_TEST_SSH_* and DEPLOYCTL_TEST_CLICKHOUSE_* as for every
/// integration test, plus DEPLOYCTL_TEST_SIMULATOR_HOST, an address of this machine the server can
/// reach. The test installs into /opt/qtickets_api, /etc/qtickets_api and /etc/systemd/system and
/// removes all of it again, with the `zakaz` database.
@Suite("the static binary under its systemd units on a testbed host", .serialized)
struct TimerDeploymentTests {
    static let hostName = "prod2"
    static let repository = Testbed.repository.path
    static let binary = repository + "/.build/static/qtickets-api"

    @Test("the timer starts the static binary as qtickets; the load equals the truth; the healthcheck unit answers 200")
    func timerRunsTheStaticBinary() async throws {
        #expect(
            FileManager.default.isExecutableFile(atPath: Self.binary),
            "no static binary at \(Self.binary): run `make build`")
        let testbed = try Testbed.current()
        let host = testbed.host(Self.hostName)
        let connection = try testbed.connect(host)
        defer { connection.close() }
        let clickhouse = try ClickHouseServer.modern(on: Self.hostName)
        let writer = try #require(clickhouse.writer, "the testbed's ClickHouse has a writer account")
        let admin = ClickHouseClient(endpoint: clickhouse.admin)

        let simulatorHost =
            ProcessInfo.processInfo.environment["DEPLOYCTL_TEST_SIMULATOR_HOST"]
            ?? host.address.split(separator: ".").dropLast().joined(separator: ".") + ".1"
        let token = "sim-" + UUID().uuidString
        let now = Date()
        let simulator = QTicketsSimulator(
            dataset: SimulatorDataset(
                seed: 11, orders: 1500, start: now.addingTimeInterval(-60 * 86_400), span: 70 * 86_400),
            token: token, now: now)
        let server = try await simulator.start(host: simulatorHost, port: 0)
        let release = "test-\(UInt32.random(in: 0..<UInt32.max))"

        do {
            try await admin.execute("CREATE DATABASE IF NOT EXISTS zakaz")
            _ = try await Migrator(
                client: admin, migrations: try MigrationSet(directory: PipelineDatabase.migrationsDirectory).migrations,
                tables: TrackingTables(database: "deployctl", target: "zakaz"),
                options: .init(actor: "timer-test@deployctl")
            ).up()
            try await install(
                on: connection, release: release,
                environment: [
                    "QTICKETS_BASE_URL": server.baseURL, "QTICKETS_TOKEN": token, "QTICKETS_SINCE_HOURS": "24",
                    "ORG_NAME": "simulated",
                    "CLICKHOUSE_HOST": "127.0.0.1", "CLICKHOUSE_PORT": "8123", "CLICKHOUSE_DB": "zakaz",
                    "CLICKHOUSE_USER": writer.user, "CLICKHOUSE_PASSWORD": writer.password,
                ])

            let run = try await waitForRun(on: connection)
            #expect(run["Result"] == "success" && run["ExecMainStatus"] == "0", "\(run)")
            let zakaz = admin.using(database: "zakaz")
            #expect(
                try await FactComparison.differences(stored: FactComparison.sales(in: zakaz), truth: simulator.truth())
                    == [])
            let rows = try await zakaz.rows("SELECT status, release_id FROM meta_job_runs FINAL")
            #expect(rows.count == 1 && rows.first?[0] == "ok" && rows.first?[1] == release, "\(rows)")

            let journal = try await connection.run("journalctl -u qtickets_api.service --no-pager -o cat").stdoutText
            #expect(journal.contains("event=run.finish") && journal.contains("status=ok"), "\(journal)")
            #expect(!journal.contains(token) && !journal.contains(writer.password), "no secret reaches the journal")
            let user = try await connection.run(
                "ps -o user= -C qtickets-api; systemctl show qtickets_api.service -p User --value")
            #expect(user.stdoutText.contains("qtickets"))

            try await expectSuccess(connection.run("systemctl start qtickets_healthcheck.service"))
            let health = try await healthz(through: connection)
            #expect(health.status == 200, "\(health.body)")
            let verdict = try JSONSerialization.jsonObject(with: Data(health.body.utf8)) as? [String: Any]
            #expect(verdict?["status"] as? String == "ok", "\(health.body)")
            let check = try await connection.run(
                "set -a; . /etc/qtickets_api/qtickets_api.env; /opt/qtickets_api/current/bin/qtickets-api healthcheck")
            #expect(check.exitStatus == 0, "\(check.stdoutText)")
        } catch {
            Issue.record(error)
        }
        await uninstall(on: connection, admin: admin)
        await server.stop()
    }

    /// The deployer's own install steps, plus a test drop-in: the shipped timer fires every 15
    /// minutes, so the drop-in adds a first elapse right after the timer starts, so that it is the
    /// timer, not the test, that starts the service. The env file is the test's to write: a deploy
    /// never writes it.
    private func install(on connection: SSHConnection, release: String, environment: [String: String]) async throws {
        let installer = PipelineInstaller(units: try PipelineUnits.load(from: Self.repository + "/systemd"))
        try await installer.prepare(on: connection)
        try await installer.install(release: release, binary: Self.binary, on: connection)
        let file = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\n") + "\n"
        _ = try await connection.upload(Data(file.utf8), to: "/etc/qtickets_api/qtickets_api.env", mode: 0o640)
        try await installer.installUnits(on: connection)
        try await expectSuccess(
            connection.run(
                """
                chgrp qtickets /etc/qtickets_api/qtickets_api.env && mkdir -p /etc/systemd/system/qtickets_api.timer.d \
                && printf '[Timer]\\nOnActiveSec=1s\\nRandomizedDelaySec=0\\n' > /etc/systemd/system/qtickets_api.timer.d/zz-test.conf
                """))
        try await installer.activate(release: release, on: connection, starting: ["qtickets_api.timer"])
    }

    /// The service's properties once the timer has started it and it has finished (at most 2 minutes).
    private func waitForRun(on connection: SSHConnection) async throws -> [String: String] {
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            let show = try await connection.run(
                "systemctl show qtickets_api.service -p InvocationID -p ActiveState -p Result -p ExecMainStatus -p User"
            ).stdoutText
            let properties = Dictionary(
                show.split(separator: "\n").compactMap { line -> (String, String)? in
                    guard let equals = line.firstIndex(of: "=") else { return nil }
                    return (String(line[..<equals]), String(line[line.index(after: equals)...]))
                }, uniquingKeysWith: { $1 })
            if properties["InvocationID"]?.isEmpty == false, ["inactive", "failed"].contains(properties["ActiveState"])
            {
                return properties
            }
            try await Task.sleep(for: .milliseconds(500))
        }
        let journal = try await connection.run(
            "journalctl -u qtickets_api.service -u qtickets_api.timer --no-pager -n 40 -o cat"
        ).stdoutText
        throw TestbedUnavailable("the timer did not run qtickets_api.service within 2 minutes; journal:\n\(journal)")
    }

    /// `GET /healthz/qtickets_api` through an SSH tunnel, once the unit listens (at most 20 seconds).
    private func healthz(through connection: SSHConnection) async throws -> (status: Int, body: String) {
        let deadline = ContinuousClock.now + .seconds(20)
        while true {
            let tunnel = try connection.openTunnel(toPort: 18080)
            defer { tunnel.close() }
            do {
                let response = try await HTTPClient.shared.execute(
                    HTTPClientRequest(url: "http://127.0.0.1:\(tunnel.localPort)/healthz/qtickets_api"),
                    timeout: .seconds(10))
                let body = try await response.body.collect(upTo: 1 << 20)
                return (Int(response.status.code), String(buffer: body))
            } catch  where ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(300))
            } catch {
                let journal = try await connection.run(
                    "journalctl -u qtickets_healthcheck.service --no-pager -n 30 -o cat"
                ).stdoutText
                throw TestbedUnavailable(
                    "the healthcheck unit did not answer on 127.0.0.1:18080 (\(error)); journal:\n\(journal)")
            }
        }
    }

    private func uninstall(on connection: SSHConnection, admin: ClickHouseClient) async {
        let units = (try? PipelineUnits.load(from: Self.repository + "/systemd").names) ?? []
        let layout = HostLayout.shipped
        _ = try? await connection.run(
            """
            systemctl stop \(units.joined(separator: " ")); \
            rm -rf \(layout.unitsDirectory)/qtickets_api.timer.d \(units.map { layout.unitsDirectory + "/" + $0 }.joined(separator: " ")) \
            \(layout.root) \(layout.envFileDirectory); \
            systemctl daemon-reload; systemctl reset-failed \(units.joined(separator: " ")); userdel \(layout.user)
            """)
        for database in ["zakaz", "deployctl"] {
            try? await admin.execute("DROP DATABASE IF EXISTS \(database)")
        }
    }

    private func expectSuccess(_ result: CommandResult, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.exitStatus == 0, "\(result.command): \(result.stderrText)", sourceLocation: sourceLocation)
    }
}
