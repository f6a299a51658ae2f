import ClickHouse
import Foundation

/// Runs DDL, treating a distributed DDL timeout (code 159) as "still running": ClickHouse keeps
/// executing the task on the replicas that have not finished, so the executor watches the task's
/// `finished` nodes in ZooKeeper (through `system.zookeeper`, available since the oldest servers
/// deployctl supports) until every host of the cluster has reported, and fails only if one of them
/// reports an error or the wait runs out.
struct DDLExecutor<Client: ClickHouseQuerying>: Sendable {
    let client: Client
    let cluster: String?
    var settings: [String: String] = [:]
    var pollInterval: Duration = .milliseconds(500)
    var maximumWait: Duration = .seconds(900)
    var onWaiting: (@Sendable (String) -> Void)?

    func run(_ sql: String, context: String) async throws(MigratorError) {
        do throws(ClickHouseError) {
            try await execute(sql)
        } catch {
            throw MigratorError(.database, "\(context): \(error)", cause: error)
        }
    }

    /// Executes `sql`; returns normally once it has run everywhere.
    func execute(_ sql: String) async throws(ClickHouseError) {
        do throws(ClickHouseError) {
            try await client.execute(sql, settings: settings)
        } catch  where error.isDistributedDDLTimeout && cluster != nil {
            try await waitForDistributedTask(error)
        }
    }

    private func waitForDistributedTask(_ timeout: ClickHouseError) async throws(ClickHouseError) {
        guard let task = Self.taskPath(in: timeout.message), let cluster else { throw timeout }
        let hosts =
            Int(
                try await client.value(
                    "SELECT count() FROM system.clusters WHERE cluster = \(ClickHouseSQL.literal(cluster))") ?? "") ?? 0
        onWaiting?(
            "distributed DDL \(task) is still running on some replicas of \(cluster); waiting for all \(hosts) to finish"
        )
        let started = ContinuousClock.now
        while started.duration(to: .now) < maximumWait {
            let finished = try await client.rows(
                "SELECT name, value FROM system.zookeeper WHERE path = \(ClickHouseSQL.literal(task + "/finished"))")
            for row in finished {
                let value = row.count > 1 ? row[1] ?? "" : ""
                let status = value.split(separator: "\n").first.map(String.init) ?? "0"
                if status != "0" {
                    throw ClickHouseError(
                        kind: .server, code: Int(status),
                        message:
                            "the distributed DDL failed on \(row[0] ?? "a replica"): \(value.replacingOccurrences(of: "\n", with: " "))"
                    )
                }
            }
            if hosts > 0 && finished.count >= hosts { return }
            try? await Task.sleep(for: pollInterval)
        }
        throw ClickHouseError(
            kind: .timeout, code: 159,
            message: "distributed DDL \(task) did not finish on every replica within \(maximumWait)")
    }

    /// `Watching task /clickhouse/task_queue/ddl/query-0000000003 is executing longer than …`
    static func taskPath(in message: String) -> String? {
        guard let range = message.range(of: "Watching task ") else { return nil }
        let path = message[range.upperBound...].prefix { !$0.isWhitespace }
        return path.isEmpty ? nil : String(path)
    }
}
