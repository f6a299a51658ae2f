import ClickHouse
import Foundation
import QTicketsSimulator
import SSH
import Testbed
import Testing

/// A deploy target for tests: the testbed's museshow environment file pointed at prod2 (or
/// `host`), a release store and signing key of the test's own, the simulator as the QTickets API on
/// the host's link, and a cleanup that removes everything the test put on the host.
final class DeployFixture: @unchecked Sendable {
    static let host = "prod2"

    let host: String
    let directory: TemporaryDirectory
    let testbed: Testbed
    let environments: String
    let connection: SSHConnection
    var environment: [String: String]
    let token: String
    let server: SimulatorServer

    /// `edit` changes the environment file's text (the SSH account, say); `token` is the one the
    /// simulator accepts and the env file carries; `dataset` the simulator's orders (default: 800
    /// orders over the last 20 days and the next 5).
    init(
        host: String = DeployFixture.host, token: String = "sim-" + UUID().uuidString,
        dataset: SimulatorDataset? = nil, edit: (String) -> String = { $0 }
    ) async throws {
        self.host = host
        self.token = token
        testbed = try Testbed.current()
        directory = try TemporaryDirectory("deploy")
        let deployTarget = try DeployTarget(host, testbed: testbed, in: directory, edit: edit)
        let target = deployTarget.host
        environments = deployTarget.environments
        environment = deployTarget.variables
        connection = try testbed.connect(target)
        // From a host as a finished test leaves it, whatever an interrupted run or a benchmark left
        // (a pipeline, an audit chain, rows in zakaz).
        await Self.wipe(host, over: connection)
        let outside = target.address.split(separator: ".").dropLast().joined(separator: ".") + ".1"
        let now = Date()
        let simulator = QTicketsSimulator(
            dataset: dataset
                ?? SimulatorDataset(
                    seed: 7, orders: 800, start: now.addingTimeInterval(-20 * 86_400), span: 25 * 86_400),
            token: token, now: now)
        server = try await simulator.start(host: outside, port: 0)
    }

    func deployctl(_ arguments: [String], extra: [String: String] = [:]) throws -> DeployctlRun {
        try DeployctlRun(["--env-dir", environments] + arguments, environment: environment.merging(extra) { $1 })
    }

    func run(_ command: String) async throws -> String {
        try await connection.run(command).stdoutText
    }

    /// A KEY=VALUE file for the loader on prod2; `without` leaves one variable out.
    func envFile(without missing: String? = nil) throws -> String {
        var values = [
            "QTICKETS_BASE_URL": server.baseURL, "QTICKETS_TOKEN": token, "ORG_NAME": "deploy-test",
            "CLICKHOUSE_HOST": "127.0.0.1",
            "CLICKHOUSE_PORT": "8123", "CLICKHOUSE_DB": "zakaz", "CLICKHOUSE_USER": "etl_writer",
            "CLICKHOUSE_PASSWORD": try String(
                contentsOfFile: Testbed.directory + "/secrets/clickhouse-writer", encoding: .utf8),
        ]
        if let missing { values[missing] = nil }
        return try directory.write(
            values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\n") + "\n",
            to: "env-\(UUID().uuidString)")
    }

    /// A checkout like the repository's, with `edit` applied to its files, for releases that differ.
    func checkout(_ edit: (String) throws -> Void) throws -> String {
        let path = directory.file("checkout-\(UUID().uuidString.prefix(6))")
        for folder in ["systemd", "migrations", "checks"] {
            try FileManager.default.copyItem(
                atPath: Testbed.repository.appendingPathComponent(folder).path, toPath: path + "/" + folder)
        }
        try edit(path)
        return path
    }

    /// Removes the pipeline from `host` and drops its database.
    static func wipe(_ host: String, over connection: SSHConnection) async {
        _ = try? await connection.run(DeployTarget.removal)
        if let clickhouse = try? ClickHouseServer.modern(on: host) {
            for database in ["zakaz", "deployctl"] {
                try? await ClickHouseClient(endpoint: clickhouse.admin).execute("DROP DATABASE IF EXISTS \(database)")
            }
        }
    }

    func cleanup() async {
        await Self.wipe(host, over: connection)
        await server.stop()
        connection.close()
    }
}
