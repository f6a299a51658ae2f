import Migrator

/// One step of a deploy's (or a rollback's) plan, in the order the plan takes them. Its
/// `description` is the line the text plan prints (`install-unit museshow qtickets_api.service`);
/// in JSON it is an object: `{"step": "install-unit", "host": "museshow", "unit": "qtickets_api.service"}`.
public enum DeployStep: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Checks the free space and copies the payload (one compressed tar of the signed SHA256SUMS and
    /// the files whose content the host lacks) to the host.
    case upload(host: HostName, release: ReleaseID)
    /// Checks the signature and every object received, links the release from the host's objects,
    /// checks every file's hash, keeps it as `releases/<id>`.
    case verifyRelease(host: HostName, release: ReleaseID)
    /// Checks the env file with the new release's loader.
    case checkEnvironment(host: HostName)
    /// `systemd-analyze verify` over the release's units, as they will run after the switch.
    case verifyUnits(host: HostName)
    /// Saves what the host runs and arms its watchdog (a deploy, not a rollback).
    case armWatchdog(host: HostName)
    /// Stops the loader's timer, waiting out a run in progress.
    case stopTimer(host: HostName)
    /// Writes the unit (and its drop-in) from the release.
    case installUnit(host: HostName, unit: UnitName)
    /// Disables and deletes a unit the release no longer ships.
    case removeUnit(host: HostName, unit: UnitName)
    /// `systemctl daemon-reload`, after the units changed.
    case daemonReload(host: HostName)
    /// Points `current` at the release.
    case switchRelease(host: HostName, to: ReleaseID)
    /// `systemctl enable`: a unit with an `[Install]` section, or the timer on a loader host.
    case enable(host: HostName, unit: UnitName)
    /// Disables the release's timers on a host that does not run the loader.
    case disableTimer(host: HostName)
    /// `systemctl restart`: a unit that runs the binary, or the loader's timer when it changed.
    case restart(host: HostName, unit: UnitName)
    /// `systemctl start`: the loader's timer on a loader host, when it did not change.
    case start(host: HostName, unit: UnitName)
    /// One loader run (on a loader host) and the healthcheck, as the new release runs them.
    case postCheck(host: HostName)
    /// Tells the host's watchdog the checks passed.
    case confirm(host: HostName)
    /// Removes the releases beyond `keep_releases`.
    case prune(host: HostName)
    /// One pending migration; the first of them applies them all, once for the environment.
    case migrate(version: MigrationVersion, slug: String)
    /// One migration a rollback undoes with its down file.
    case migrateDown(version: MigrationVersion, slug: String)

    /// What a step does, without its values: the first word of its text and its JSON `step`.
    public enum Kind: String, Sendable, CaseIterable, Codable {
        case upload
        case verifyRelease = "verify-release"
        case checkEnvironment = "check-env"
        case verifyUnits = "verify-units"
        case armWatchdog = "arm-watchdog"
        case stopTimer = "stop-timer"
        case installUnit = "install-unit"
        case removeUnit = "remove-unit"
        case daemonReload = "daemon-reload"
        case switchRelease = "switch"
        case enable
        case disableTimer = "disable-timer"
        case restart
        case start
        case postCheck = "post-check"
        case confirm
        case prune
        case migrate
        case migrateDown = "migrate-down"
    }

    /// The values a step carries; each is a field of its JSON object.
    private struct Fields {
        var host: HostName?
        var release: ReleaseID?
        var unit: UnitName?
        var migration: (version: MigrationVersion, slug: String)?
    }

    /// What the step does.
    public var kind: Kind { Self.split(self).kind }

    /// The host the step runs on; nil for the migrations, which run once for the environment.
    public var host: HostName? { Self.split(self).fields.host }

    /// The migration a `migrate` or `migrate-down` step names, as its files do: `0009_probe_view`.
    public var migration: String? { Self.split(self).fields.migration.map { "\($0.version)_\($0.slug)" } }

    /// Whether the step begins the part of a host's steps that changes what runs (the switch phase).
    public var startsSwitch: Bool { [.armWatchdog, .stopTimer, .switchRelease].contains(kind) }

    /// The text plan's line: the kind, then the host, then the unit, release or migration.
    public var description: String {
        let fields = Self.split(self).fields
        let words = [fields.host?.value, fields.unit?.value, fields.release?.value, migration].compactMap { $0 }
        return ([kind.rawValue] + words).joined(separator: " ")
    }

    private static func split(_ step: DeployStep) -> (kind: Kind, fields: Fields) {
        switch step {
        case .upload(let host, let release): (.upload, Fields(host: host, release: release))
        case .verifyRelease(let host, let release): (.verifyRelease, Fields(host: host, release: release))
        case .checkEnvironment(let host): (.checkEnvironment, Fields(host: host))
        case .verifyUnits(let host): (.verifyUnits, Fields(host: host))
        case .armWatchdog(let host): (.armWatchdog, Fields(host: host))
        case .stopTimer(let host): (.stopTimer, Fields(host: host))
        case .installUnit(let host, let unit): (.installUnit, Fields(host: host, unit: unit))
        case .removeUnit(let host, let unit): (.removeUnit, Fields(host: host, unit: unit))
        case .daemonReload(let host): (.daemonReload, Fields(host: host))
        case .switchRelease(let host, let release): (.switchRelease, Fields(host: host, release: release))
        case .enable(let host, let unit): (.enable, Fields(host: host, unit: unit))
        case .disableTimer(let host): (.disableTimer, Fields(host: host))
        case .restart(let host, let unit): (.restart, Fields(host: host, unit: unit))
        case .start(let host, let unit): (.start, Fields(host: host, unit: unit))
        case .postCheck(let host): (.postCheck, Fields(host: host))
        case .confirm(let host): (.confirm, Fields(host: host))
        case .prune(let host): (.prune, Fields(host: host))
        case .migrate(let version, let slug): (.migrate, Fields(migration: (version, slug)))
        case .migrateDown(let version, let slug): (.migrateDown, Fields(migration: (version, slug)))
        }
    }

    private enum CodingKeys: String, CodingKey { case step, host, release, unit, version, slug }

    public func encode(to encoder: any Encoder) throws {
        let (kind, fields) = Self.split(self)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .step)
        try container.encodeIfPresent(fields.host, forKey: .host)
        try container.encodeIfPresent(fields.release, forKey: .release)
        try container.encodeIfPresent(fields.unit, forKey: .unit)
        try container.encodeIfPresent(fields.migration?.version.value, forKey: .version)
        try container.encodeIfPresent(fields.migration?.slug, forKey: .slug)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decode(Kind.self, forKey: .step)
        func host() throws -> HostName { try container.decode(HostName.self, forKey: .host) }
        func release() throws -> ReleaseID { try container.decode(ReleaseID.self, forKey: .release) }
        func unit() throws -> UnitName { try container.decode(UnitName.self, forKey: .unit) }
        func version() throws -> MigrationVersion {
            MigrationVersion(try container.decode(UInt64.self, forKey: .version))
        }
        func slug() throws -> String { try container.decode(String.self, forKey: .slug) }
        switch kind {
        case .upload: self = .upload(host: try host(), release: try release())
        case .verifyRelease: self = .verifyRelease(host: try host(), release: try release())
        case .checkEnvironment: self = .checkEnvironment(host: try host())
        case .verifyUnits: self = .verifyUnits(host: try host())
        case .armWatchdog: self = .armWatchdog(host: try host())
        case .stopTimer: self = .stopTimer(host: try host())
        case .installUnit: self = .installUnit(host: try host(), unit: try unit())
        case .removeUnit: self = .removeUnit(host: try host(), unit: try unit())
        case .daemonReload: self = .daemonReload(host: try host())
        case .switchRelease: self = .switchRelease(host: try host(), to: try release())
        case .enable: self = .enable(host: try host(), unit: try unit())
        case .disableTimer: self = .disableTimer(host: try host())
        case .restart: self = .restart(host: try host(), unit: try unit())
        case .start: self = .start(host: try host(), unit: try unit())
        case .postCheck: self = .postCheck(host: try host())
        case .confirm: self = .confirm(host: try host())
        case .prune: self = .prune(host: try host())
        case .migrate: self = .migrate(version: try version(), slug: try slug())
        case .migrateDown: self = .migrateDown(version: try version(), slug: try slug())
        }
    }
}
