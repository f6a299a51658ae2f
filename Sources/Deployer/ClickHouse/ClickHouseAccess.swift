import ClickHouse
import Environments
import Foundation
import SSH

/// A ClickHouse client for an environment, reached the way production is set up: over SSH to the
/// environment's first host, then through a tunnel to ClickHouse on that host's own address.
/// Close it when done; it owns the SSH connection and the tunnel.
public final class ClickHouseSession: @unchecked Sendable {
    public let client: ClickHouseClient
    public let host: String
    private let connection: SSHConnection
    private let tunnel: SSHTunnel

    init(client: ClickHouseClient, host: String, connection: SSHConnection, tunnel: SSHTunnel) {
        self.client = client
        self.host = host
        self.connection = connection
        self.tunnel = tunnel
    }

    deinit { close() }

    public func close() {
        tunnel.close()
        connection.close()
    }

    /// Which of the environment's ClickHouse users to be.
    public enum Role: Sendable {
        case admin, writer
    }

    /// Why a session could not be opened.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Connects to the environment's first host and opens a tunnel to its ClickHouse.
    ///
    /// - Throws: `SSHError` for the connection, `Failure` when the password cannot be resolved.
    public static func open(
        _ environment: Environment, as role: Role = .admin, processEnvironment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws -> ClickHouseSession {
        guard let host = environment.hosts.first else { throw Failure(description: "environment \(environment.name) has no hosts") }
        let connection = try await SSHConnection.open(try host.sshConfiguration(processEnvironment: processEnvironment))
        let credentials = role == .admin ? environment.clickhouse.admin : environment.clickhouse.writer
        let password: String
        do {
            password = try await resolve(credentials.password, over: connection, environment: processEnvironment)
        } catch {
            connection.close()
            throw Failure(description: "\(environment.name): the ClickHouse password of \(credentials.user) (\(credentials.password)): \(error)")
        }
        let tunnel = try connection.openTunnel(toPort: environment.clickhouse.httpPort, host: environment.clickhouse.httpHost)
        let endpoint = ClickHouseEndpoint(
            url: URL(string: "http://127.0.0.1:\(tunnel.localPort)")!, user: credentials.user, password: password,
            database: environment.clickhouse.database, timeout: .seconds(300))
        return ClickHouseSession(client: ClickHouseClient(endpoint: endpoint), host: host.name, connection: connection, tunnel: tunnel)
    }

    /// A secret's value: from the workstation (variable or file) or, for `remote_file`, read from the host over SFTP.
    static func resolve(_ secret: SecretReference, over connection: SSHConnection, environment: [String: String]) async throws -> String {
        if case .remoteFile(let path) = secret {
            return String(decoding: try await connection.read(contentsOf: path), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return try secret.resolveLocally(environment: environment) ?? ""
    }
}
