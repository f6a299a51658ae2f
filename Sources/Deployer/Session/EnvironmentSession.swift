import ClickHouse
import Environments
import Foundation
import SSH

/// The connections of one environment for the length of one command.
///
/// `open` connects to every chosen host at once under one deadline; each host ends up connected or
/// with a `HostFailure` that keeps the SSH error's code. Work then runs per host, concurrently or
/// one host after another, with results in the environment's host order. ClickHouse is reached
/// over the connection to the environment's ClickHouse host (`[clickhouse] host`), through one
/// tunnel per session. `close()` ends everything once.
public final class EnvironmentSession: @unchecked Sendable {
    /// One host of the session and its connection, or why there is none.
    public struct Link: Sendable {
        public let host: Environment.Host
        public let connection: Result<any RemoteHost, HostFailure>
    }

    public let environment: Environment
    /// The chosen hosts, in the environment's order.
    public let links: [Link]
    let processEnvironment: [String: String]
    let connector: HostConnector
    /// Requests made of the hosts so far (commands, transfers), each at least one SSH round trip.
    public let requests: RequestCounter

    private let lock = NSLock()
    private var tunnel: (any PortForward)?
    private var passwords: [ClickHouseRole: String] = [:]
    /// Whether deployctl's bookkeeping was found where `state_database` says, once per session.
    private var stateChecked = false
    private var closed = false

    init(
        environment: Environment, links: [Link], processEnvironment: [String: String], connector: HostConnector,
        requests: RequestCounter
    ) {
        self.requests = requests
        self.environment = environment
        self.links = links
        self.processEnvironment = processEnvironment
        self.connector = connector
    }

    deinit { close() }

    /// Connects to `hosts` (default: all of the environment's) concurrently; no host waits longer
    /// than its own `connect_timeout_seconds` or `timeout`, whichever is shorter.
    public static func open(
        _ environment: Environment, hosts: [Environment.Host]? = nil, timeout: Duration = .seconds(300),
        connector: HostConnector? = nil, processEnvironment: [String: String] = ProcessInfo.processInfo.environment
    ) async -> EnvironmentSession {
        let chosen = hosts ?? environment.hosts
        let counter = RequestCounter()
        let base = connector ?? .ssh(processEnvironment: processEnvironment)
        let connector = HostConnector { host, timeout throws(SSHError) in
            CountingHost(try await base.connect(host, timeout), counter: counter)
        }
        let connections = await withTaskGroup(of: (Int, Result<any RemoteHost, HostFailure>).self) { group in
            for (index, host) in chosen.enumerated() {
                group.addTask {
                    let result: Result<any RemoteHost, HostFailure>
                    do throws(SSHError) {
                        result = .success(try await connector.connect(host, timeout))
                    } catch {
                        result = .failure(HostFailure(host: host.name, error: error))
                    }
                    return (index, result)
                }
            }
            var results = [Result<any RemoteHost, HostFailure>?](repeating: nil, count: chosen.count)
            for await (index, result) in group { results[index] = result }
            return results.compactMap { $0 }
        }
        let links = zip(chosen, connections).map { Link(host: $0, connection: $1) }
        return EnvironmentSession(
            environment: environment, links: links, processEnvironment: processEnvironment, connector: connector,
            requests: counter)
    }

    /// The failures of the hosts that could not be connected.
    public var failures: [HostFailure] {
        links.compactMap { if case .failure(let failure) = $0.connection { failure } else { nil } }
    }

    /// The connection to the host named `name`.
    public func connection(to name: String) -> Result<any RemoteHost, HostFailure> {
        guard let link = links.first(where: { $0.host.name == name }) else {
            return .failure(
                HostFailure(host: name, error: SSHError(.connectionFailed, "\(name) is not a host of this session")))
        }
        return link.connection
    }

    /// Runs `body` for every host, at once or (with `concurrently: false`) one after another, and
    /// returns the results in host order; a host without a connection gets `unreachable` instead.
    public func eachHost<T: Sendable>(
        concurrently: Bool = true,
        _ body: @escaping @Sendable (Environment.Host, any RemoteHost) async -> T,
        unreachable: @escaping @Sendable (Environment.Host, HostFailure) -> T
    ) async -> [T] {
        let links = self.links
        @Sendable func one(_ link: Link) async -> T {
            switch link.connection {
            case .success(let connection): await body(link.host, connection)
            case .failure(let failure): unreachable(link.host, failure)
            }
        }
        guard concurrently else {
            var results: [T] = []
            for link in links { results.append(await one(link)) }
            return results
        }
        return await withTaskGroup(of: (Int, T).self) { group in
            for (index, link) in links.enumerated() {
                group.addTask { (index, await one(link)) }
            }
            var results = [T?](repeating: nil, count: links.count)
            for await (index, result) in group { results[index] = result }
            return results.compactMap { $0 }
        }
    }

    // MARK: - ClickHouse

    /// The forward to ClickHouse's HTTP port on the ClickHouse host, opened on first use.
    public func clickhouseTunnel() throws(ClickHouseAccessError) -> any PortForward {
        let clickhouse = environment.clickhouse
        let host: any RemoteHost
        switch connection(to: clickhouse.host) {
        case .success(let connected): host = connected
        case .failure(let failure): throw .hostUnreachable(failure)
        }
        lock.lock()
        defer { lock.unlock() }
        if let tunnel { return tunnel }
        do throws(SSHError) {
            let opened = try host.openTunnel(toPort: clickhouse.httpPort, host: clickhouse.httpHost)
            tunnel = opened
            return opened
        } catch {
            throw .tunnel(error)
        }
    }

    /// A client of the environment's ClickHouse as `role`, through the session's tunnel; the
    /// password is resolved once per session (a `remote_file` is read from the ClickHouse host).
    ///
    /// The first admin client of a session also makes sure no bookkeeping table is left in the
    /// pipeline's database (`checkingState`): a command working beside such a table would start
    /// a second, empty history. A failed look is not a verdict: the caller's own query meets the
    /// same failure and reports it.
    public func clickhouse(
        as role: ClickHouseRole, timeout: Duration = .seconds(300), readAttempts: Int = 3, checkingState: Bool = true
    ) async throws(ClickHouseAccessError) -> ClickHouseClient {
        let tunnel = try clickhouseTunnel()
        let password = try await password(of: role)
        let credentials = environment.clickhouse.credentials(of: role)
        let endpoint = ClickHouseEndpoint(
            url: URL(string: "http://127.0.0.1:\(tunnel.localPort)")!, user: credentials.user, password: password,
            database: environment.clickhouse.database, timeout: timeout)
        let client = ClickHouseClient(endpoint: endpoint, readAttempts: readAttempts)
        if role == .admin, checkingState, !lock.withLock({ stateChecked }),
            let left = try? await StateMove.leftBehind(environment.clickhouse, client: client)
        {
            guard left.isEmpty else { throw .stateLeftBehind(StateMove.refusal(environment, tables: left)) }
            lock.withLock { stateChecked = true }
        }
        return client
    }

    /// The password of `role`'s ClickHouse user.
    public func password(of role: ClickHouseRole) async throws(ClickHouseAccessError) -> String {
        if let known = lock.withLock({ passwords[role] }) { return known }
        let credentials = environment.clickhouse.credentials(of: role)
        let value: String
        do {
            value = try await SecretResolver(processEnvironment: processEnvironment).resolve(
                credentials.password, on: connection(to: environment.clickhouse.host).get())
        } catch {
            throw .secret(user: credentials.user, reference: credentials.password, reason: "\(error)")
        }
        lock.withLock { passwords[role] = value }
        return value
    }

    /// A new connection to `host`, for when the session's own was cut (the caller closes it).
    public func reconnect(_ host: Environment.Host) async -> Result<any RemoteHost, HostFailure> {
        do throws(SSHError) {
            return .success(try await connector.connect(host, host.connectTimeout))
        } catch {
            return .failure(HostFailure(host: host.name, error: error))
        }
    }

    /// Closes the tunnel and every connection; later calls do nothing.
    public func close() {
        let (tunnel, links): ((any PortForward)?, [Link]) = lock.withLock {
            if closed { return (nil, []) }
            closed = true
            return (self.tunnel, self.links)
        }
        tunnel?.close()
        for case .success(let connection) in links.map(\.connection) { connection.close() }
    }
}
