/// A deployment target: the hosts of one environment and how the pipeline runs on them.
///
/// An environment is described by one file, `environments/<name>.toml`, whose file name is the
/// environment's name. ``EnvironmentLoader`` reads and validates such a file; every value here is
/// already resolved, with defaults applied and workstation paths made absolute, so the deployer
/// never has to look at the TOML again.
public struct Environment: Sendable, Hashable {
    /// The environment's name, taken from its file name (`museshow` for `museshow.toml`).
    public var name: String

    /// The path of the file the environment was read from, as it was given to the loader.
    public var sourcePath: String

    /// A free-text note about what the environment is for, if the file has one.
    public var description: String?

    /// Whether this environment is a rehearsal target or serves real users.
    public var role: Role

    /// The hosts to deploy to, in file order, each with the `[ssh]` defaults applied.
    public var hosts: [Host]

    /// Where the pipeline is installed on each host and who runs it.
    public var app: App

    /// The ClickHouse server the pipeline writes to.
    public var clickhouse: ClickHouse

    /// Where the pipeline's systemd units are installed.
    public var systemd: Systemd

    /// The release gate that must pass before deploying here; `nil` when the environment has none.
    public var gate: Gate?

    /// How deploys behave on failure: the automatic rollback's schema policy, the watchdog, the lock's TTL.
    public var deploy: Deploy

    /// Where the results of verify, deploy and rollback are announced; `nil` when the file has no `[notify]`.
    public var notify: Notify?

    /// What was read of the OpenSSH client configuration; `nil` when `[ssh] config = false`.
    public var sshConfig: SSHConfigUse?

    /// The host that runs ClickHouse (`clickhouse.host`, which the loader checks is one of `hosts`).
    public var clickhouseHost: Host {
        hosts.first { $0.name == clickhouse.host } ?? hosts[0]
    }

    /// The hosts whose loader timer is enabled: `app.loader_hosts`, or the ClickHouse host.
    public var loaderHosts: [Host] {
        app.loaderHosts.isEmpty ? [clickhouseHost] : hosts.filter { app.loaderHosts.contains($0.name) }
    }

    /// `items` (one per host, named by `host`) in two groups: those of the loader hosts, then the
    /// others. Work on several hosts at once runs the groups in this order, since the loader's run
    /// fills the database that the other hosts' healthchecks and checks read.
    public func loaderHostsFirst<Item>(_ items: [Item], host: (Item) -> String) -> [[Item]] {
        let loaders = Set(loaderHosts.map(\.name))
        return [items.filter { loaders.contains(host($0)) }, items.filter { !loaders.contains(host($0)) }]
    }

    /// Creates an environment from already validated parts.
    public init(
        name: String,
        sourcePath: String,
        description: String? = nil,
        role: Role,
        hosts: [Host],
        app: App,
        clickhouse: ClickHouse,
        systemd: Systemd,
        gate: Gate? = nil,
        deploy: Deploy = Deploy(),
        notify: Notify? = nil,
        sshConfig: SSHConfigUse? = nil
    ) {
        self.name = name
        self.sourcePath = sourcePath
        self.description = description
        self.role = role
        self.hosts = hosts
        self.app = app
        self.clickhouse = clickhouse
        self.systemd = systemd
        self.gate = gate
        self.deploy = deploy
        self.notify = notify
        self.sshConfig = sshConfig
    }
}
