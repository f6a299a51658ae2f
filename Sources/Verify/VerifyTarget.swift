import ClickHouse
import Environments
import Foundation
import Migrator
import SSH

/// Everything the suite needs to verify one host of an environment, gathered by the deployer.
public struct VerifyTarget: Sendable {
    public let environment: Environment
    public let hostName: String
    public let host: any RemoteHost
    /// ClickHouse as the admin (reads, scratch tables) and as the writer the loader uses.
    public let admin: ClickHouseClient
    public let writer: ClickHouseClient
    /// The release folder root, the env file and the units' folder on the host.
    public let root: String
    public let envFile: String
    public let unitsDirectory: String
    /// The release the host should run (`current`'s id), its units, migrations and smoke checks.
    public let release: String?
    public let units: [String]
    public let migrations: [Migration]
    public let smokeChecks: [SmokeCheck]
    /// Whether this host runs the loader (its timer and the load checks).
    public let loaderHost: Bool
    /// The drop-in text each unit should have, by unit name (nil: none).
    public let dropIns: [String: String?]
    /// What could not be read from the release, by the area it concerns (`.automation`: its units,
    /// `.smoke`: its smoke checks); the area's `*-shipped` check fails with it.
    public let releaseGaps: [CheckResult.Area: Message]
    public let redact: Redactor

    public init(
        environment: Environment, hostName: String, host: any RemoteHost, admin: ClickHouseClient,
        writer: ClickHouseClient, root: String,
        envFile: String, unitsDirectory: String, release: String?, units: [String], migrations: [Migration],
        smokeChecks: [SmokeCheck],
        loaderHost: Bool, dropIns: [String: String?], releaseGaps: [CheckResult.Area: Message] = [:],
        redact: Redactor
    ) {
        self.environment = environment
        self.hostName = hostName
        self.host = host
        self.admin = admin
        self.writer = writer
        self.root = root
        self.envFile = envFile
        self.unitsDirectory = unitsDirectory
        self.release = release
        self.units = units
        self.migrations = migrations
        self.smokeChecks = smokeChecks
        self.loaderHost = loaderHost
        self.dropIns = dropIns
        self.releaseGaps = releaseGaps
        self.redact = redact
    }

    var database: String { environment.clickhouse.database }
    var binary: String { root + "/current/bin/qtickets-api" }
    /// The loader's service: the oneshot the timer starts.
    var loaderService: String {
        units.first { $0.hasSuffix(".service") && $0.contains("qtickets_api") } ?? "qtickets_api.service"
    }
    var timer: String? { units.first { $0.hasSuffix(".timer") } }
}
