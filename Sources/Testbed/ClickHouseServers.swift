import ClickHouse
import Foundation
import SSH

/// The ClickHouse servers tests run against, each reachable as a `ClickHouseEndpoint`.
///
/// - `modern`: the real engine (chDB 26.9) behind the testbed's HTTP front, on a testbed host's own
///   localhost, reached through an SSH tunnel exactly as production is.
/// - `legacy`: Debian's real `clickhouse-server` 18.16.1 on the machine's loopback
///   (`testbed/clickhouse-legacy.sh`), for the wire protocol and the old error format.
/// - `DEPLOYCTL_TEST_CLICKHOUSE_URL` (+ `_USER`, `_PASSWORD`): any real server of the user's, which
///   then replaces both.
public struct ClickHouseServer: Sendable, CustomStringConvertible {
    public let name: String
    public let admin: ClickHouseEndpoint
    public let writer: ClickHouseEndpoint?
    /// Keeps the SSH connection and tunnel of a testbed host alive as long as the server is used.
    private let keepAlive: TunnelKeepAlive?

    public var description: String { name }

    final class TunnelKeepAlive: @unchecked Sendable {
        let connection: SSHConnection
        let tunnel: SSHTunnel
        init(connection: SSHConnection, tunnel: SSHTunnel) {
            self.connection = connection
            self.tunnel = tunnel
        }
        deinit {
            tunnel.close()
            connection.close()
        }
    }

    /// A real server given by environment variables, if any.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        -> ClickHouseServer?
    {
        guard let url = environment["DEPLOYCTL_TEST_CLICKHOUSE_URL"].flatMap(URL.init(string:)) else { return nil }
        let admin = ClickHouseEndpoint(
            url: url, user: environment["DEPLOYCTL_TEST_CLICKHOUSE_USER"] ?? "default",
            password: environment["DEPLOYCTL_TEST_CLICKHOUSE_PASSWORD"] ?? "")
        return ClickHouseServer(name: "server at \(url.absoluteString)", admin: admin, writer: nil, keepAlive: nil)
    }

    /// The modern engine on a testbed host (default museshow), through a fresh SSH tunnel.
    public static func modern(on hostName: String = "museshow") throws -> ClickHouseServer {
        if let configured = fromEnvironment() { return configured }
        let testbed = try Testbed.current()
        let manifest = try Testbed.manifestObject()
        guard let clickhouse = manifest["clickhouse"] as? [String: Any], let port = clickhouse["http_port"] as? Int
        else {
            throw TestbedUnavailable(
                "the testbed has no ClickHouse section in testbed.json; recreate it with `make testbed-down testbed-up`"
            )
        }
        let connection = try testbed.connect(testbed.host(hostName))
        let tunnel = try connection.openTunnel(toPort: port)
        let url = URL(string: "http://127.0.0.1:\(tunnel.localPort)")!
        return ClickHouseServer(
            name: "chDB on \(hostName)",
            admin: ClickHouseEndpoint(
                url: url, user: clickhouse["admin_user"] as? String ?? "admin",
                password: try secret(clickhouse["admin_password_file"])),
            writer: ClickHouseEndpoint(
                url: url, user: clickhouse["writer_user"] as? String ?? "etl_writer",
                password: try secret(clickhouse["writer_password_file"])),
            keepAlive: TunnelKeepAlive(connection: connection, tunnel: tunnel))
    }

    /// Debian's clickhouse-server 18.16.1 started by `testbed/clickhouse-legacy.sh up`.
    public static func legacy() throws -> ClickHouseServer {
        if let configured = fromEnvironment() { return configured }
        let manifest = try legacyManifest()
        guard let single = manifest["single"] as? [String: Any],
            let url = (single["http_url"] as? String).flatMap(URL.init(string:))
        else {
            throw TestbedUnavailable("legacy.json has no single server")
        }
        return try legacyServer(name: "clickhouse-server 18.16 (single)", url: url, manifest: manifest)
    }

    /// The two replicas of the legacy cluster, their cluster name, and the ZooKeeper address.
    public static func legacyCluster() throws -> (name: String, replicas: [ClickHouseServer]) {
        let manifest = try legacyManifest()
        guard let cluster = manifest["cluster"] as? [String: Any], let name = cluster["name"] as? String,
            let replicas = cluster["replicas"] as? [[String: Any]]
        else { throw TestbedUnavailable("legacy.json has no cluster") }
        let servers = try replicas.map { replica -> ClickHouseServer in
            guard let url = (replica["http_url"] as? String).flatMap(URL.init(string:)) else {
                throw TestbedUnavailable("legacy.json: a replica has no http_url")
            }
            return try legacyServer(name: "replica \(replica["name"] as? String ?? "?")", url: url, manifest: manifest)
        }
        return (name, servers)
    }

    private static func legacyServer(name: String, url: URL, manifest: [String: Any]) throws -> ClickHouseServer {
        ClickHouseServer(
            name: name,
            admin: ClickHouseEndpoint(
                url: url, user: manifest["admin_user"] as? String ?? "admin",
                password: try secret(manifest["admin_password_file"])),
            writer: ClickHouseEndpoint(
                url: url, user: manifest["writer_user"] as? String ?? "etl_writer",
                password: try secret(manifest["writer_password_file"])),
            keepAlive: nil)
    }

    private static func legacyManifest() throws -> [String: Any] {
        let path = Testbed.directory + "/legacy.json"
        guard let data = FileManager.default.contents(atPath: path),
            let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        else {
            throw TestbedUnavailable(
                "the legacy ClickHouse servers are not running (\(path) is missing): start them with `bash testbed/clickhouse-legacy.sh up`, "
                    + "or set DEPLOYCTL_TEST_CLICKHOUSE_URL")
        }
        return object
    }

    private static func secret(_ path: Any?) throws -> String {
        guard let path = path as? String, let data = FileManager.default.contents(atPath: path) else {
            throw TestbedUnavailable("a ClickHouse password file of the testbed is missing; recreate the testbed")
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

extension Testbed {
    /// The raw testbed.json, for sections other parts of the testbed add.
    static func manifestObject() throws -> [String: Any] {
        let path = directory + "/testbed.json"
        guard let data = FileManager.default.contents(atPath: path),
            let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { throw TestbedUnavailable("\(path) is missing or unreadable: run `make testbed-up`") }
        return object
    }
}
