import ClickHouse
import Console
import EnvFile
import Environments
import Foundation
import HostScripts
import Migrator
import SSH
import Verify

/// `deployctl verify <env>`: the E2E suite on every host of a session, the report, and the
/// verification record stored on the environment itself (each host's `shared/verifications.jsonl`,
/// its ClickHouse's `deployctl_verifications`, and the audit chain), so that a gate can read it
/// from any workstation.
public struct Verification: Sendable {
    public let environment: Environment
    public let layout: HostLayout
    public let store: ReleaseStore
    public let actor: String
    public let deployctlVersion: String

    public init(environment: Environment, store: ReleaseStore, actor: String, deployctlVersion: String) {
        self.environment = environment
        self.layout = HostLayout(environment)
        self.store = store
        self.actor = actor
        self.deployctlVersion = deployctlVersion
    }

    public static let table = "deployctl_verifications"

    /// Runs the suite on every host of `session`. With `retryFor`, the areas with a failing blocker
    /// (and those skipped because of one) run again on fresh state, `retryPause` apart, until they
    /// pass or the time is up. `only` (areas) and `hostsOnly` (the session's hosts, when `--host`
    /// chose them) make it a partial run, which the report says and which is never ready.
    public func run(
        in session: EnvironmentSession, only: Set<CheckResult.Area>?, hostsOnly: [String]? = nil,
        retryFor: Duration = .zero,
        retryPause: Duration = .seconds(5)
    ) async throws(CommandFailure) -> VerificationReport {
        let started = Date()
        if let failure = session.failures.first { throw CommandFailure(.unreachable, "ssh", failure.description) }
        let admin: ClickHouseClient
        let writer: ClickHouseClient
        do throws(ClickHouseAccessError) {
            admin = try await session.clickhouse(as: .admin)
            writer = try await session.clickhouse(as: .writer)
        } catch {
            throw error.failure
        }
        var secrets = [
            (try? await session.password(of: .admin)) ?? "", (try? await session.password(of: .writer)) ?? "",
        ]
        var hosts: [VerificationReport.Host] = []
        var migrations: [Migration] = []
        var revision: String?
        var binary: VerificationReport.Binary?
        let loaders = Set(environment.loaderHosts.map(\.name))
        // Every host's release and env file, read at once: each report hides every host's secrets.
        var targets: [(host: Environment.Host, connection: any RemoteHost, release: String?, files: ReleaseFiles)] = []
        for (host, connection, read) in await contexts(in: session) {
            let (release, found, releaseFiles) = try read.get()
            secrets += found
            migrations = releaseFiles.migrations
            revision = releaseFiles.revision ?? revision
            binary = releaseFiles.binary ?? binary
            targets.append((host, connection, release, releaseFiles))
        }
        let redact = Redactor(secrets: secrets)
        // The hosts at once, the loader hosts first (their loader run fills the database the others read).
        var reports: [String: VerificationReport.Host] = [:]
        for phase in environment.loaderHostsFirst(targets, host: \.host.name) {
            await withTaskGroup(of: VerificationReport.Host.self) { group in
                for target in phase {
                    let verifyTarget = VerifyTarget(
                        environment: environment, hostName: target.host.name, host: target.connection, admin: admin,
                        writer: writer, root: layout.root, envFile: layout.envFile,
                        unitsDirectory: layout.unitsDirectory, release: target.release, units: target.files.units,
                        migrations: target.files.migrations, smokeChecks: target.files.smoke,
                        loaderHost: loaders.contains(target.host.name),
                        dropIns: UnitDropIn.all(
                            for: target.files.unitTexts, layout: layout, environment: environment.name),
                        releaseGaps: target.files.gaps, redact: redact)
                    group.addTask {
                        await Self.verify(
                            verifyTarget, key: target.connection.hostKey.fingerprint, only: only, retryFor: retryFor,
                            retryPause: retryPause)
                    }
                }
                for await host in group { reports[host.host] = host }
            }
        }
        hosts = targets.compactMap { reports[$0.host.name] }
        // A ClickHouse that did not answer the suite is not asked again (a hung server would hold the report for minutes).
        let silent = hosts.contains {
            $0.checks.contains { $0.id == "environment.clickhouse-answers" && $0.outcome == .fail }
        }
        let history =
            silent
            ? []
            : (try? await Migrator(
                client: admin, migrations: migrations,
                tables: environment.clickhouse.trackingTables
            ).status()) ?? []
        let applied = history.filter { $0.condition == .applied || $0.condition == .baselined }
        let report = VerificationReport(
            environment: environment.name, release: hosts.first?.release, revision: revision, binary: binary,
            deployctlVersion: deployctlVersion, startedAt: started,
            finishedAt: Date(), actor: actor,
            migrationHead: applied.last.map { "\(MigrationVersion($0.version))_\($0.slug)" },
            migrationChecksums: Dictionary(
                uniqueKeysWithValues: migrations.map { ("\(MigrationVersion($0.version.value))", $0.checksum) }),
            partial: only != nil || hostsOnly != nil ? VerificationReport.Scope(areas: only, hosts: hostsOnly) : nil,
            hosts: hosts)
        return report
    }

    /// What verify reads of a host before it checks it: its current release, the secrets of its env
    /// file, and the release's files.
    private typealias HostContext = (
        host: Environment.Host, connection: any RemoteHost,
        read: Result<(release: String?, secrets: [String], files: ReleaseFiles), CommandFailure>
    )

    /// Each reachable host's context, read from every host at once, in the session's order.
    private func contexts(in session: EnvironmentSession) async -> [HostContext] {
        await session.eachHost(
            { host, connection -> HostContext? in
                do throws(CommandFailure) {
                    let context = ScriptAnswer(
                        try await HostScript(host: connection).require(
                            .verifyContext, [layout.current, layout.envFile], step: "reading the current release"
                        ).stdoutText)
                    let release = context["release"].flatMap { $0.isEmpty ? nil : $0 }
                    let envFile = context["env"].flatMap { Data(base64Encoded: $0) }.map {
                        String(decoding: $0, as: UTF8.self)
                    }
                    let files = try await releaseFiles(
                        on: connection, release: release, local: release.flatMap { store.summary(of: $0) })
                    return (
                        host, connection, .success((release, EnvironmentFile.secretValues(in: envFile ?? ""), files))
                    )
                } catch {
                    return (host, connection, .failure(error))
                }
            }, unreachable: { _, _ in nil }
        ).compactMap { $0 }
    }

    /// The suite on one host; with `retryFor`, the areas with a failing blocker (and those skipped
    /// because of one) again, `retryPause` apart, until they pass or the time is up.
    private static func verify(
        _ target: VerifyTarget, key: String, only: Set<CheckResult.Area>?, retryFor: Duration, retryPause: Duration
    ) async -> VerificationReport.Host {
        let suite = VerifySuite(target: target)
        var checks = await suite.run(only: only)
        var attempts = 1
        let deadline = ContinuousClock.now + retryFor
        while ContinuousClock.now < deadline {
            let again = Set(
                checks.filter { $0.outcome == .skip ? $0.id.hasSuffix(".skipped") : $0.blocks }.map(\.area))
            guard !again.isEmpty else { break }
            try? await Task.sleep(for: min(retryPause, ContinuousClock.now.duration(to: deadline)))
            let fresh = await suite.run(only: again)
            let order = CheckResult.Area.allCases
            checks = (checks.filter { !again.contains($0.area) } + fresh)
                .enumerated().sorted {
                    (order.firstIndex(of: $0.element.area) ?? 0, $0.offset) < (
                        order.firstIndex(of: $1.element.area) ?? 0, $1.offset
                    )
                }
                .map(\.element)
            attempts += 1
        }
        return VerificationReport.Host(
            host: target.hostName, hostKey: key, release: target.release, checks: checks, attempts: attempts)
    }

    /// The release's units, migrations and smoke SQL: from the local store when it holds the
    /// release, else read from the host's `current` (a workstation that did not build it), accepted
    /// only when its SHA256SUMS is signed by one of `[app] trusted_release_keys` and every file matches.
    private func releaseFiles(on host: any RemoteHost, release: String?, local: ReleaseSummary?)
        async throws(CommandFailure) -> ReleaseFiles
    {
        if let local {
            return try ReleaseFiles(directory: local.path)
        }
        guard let release else { return .none }
        let directory = try await ReleaseCopy.fetch(
            from: layout.current, on: host, release: release, trusting: environment.app.trustedReleaseKeys)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        return try ReleaseFiles(directory: directory)
    }
}

/// What a release carries that the suite checks against, and what of it could not be read.
struct ReleaseFiles {
    let manifest: ReleaseManifest?
    let units: [String]
    let unitTexts: [String: String]
    let migrations: [Migration]
    let smoke: [SmokeCheck]
    /// By area: why its units (`.automation`) or smoke checks (`.smoke`) are missing or unreadable.
    let gaps: [CheckResult.Area: Message]

    private static let noCurrent = Message(
        en: "no release is current on the host", ru: "на хосте нет текущего релиза")

    /// A host without a current release: nothing to check against.
    static let none = ReleaseFiles(
        manifest: nil, units: [], unitTexts: [:], migrations: [], smoke: [],
        gaps: [.automation: noCurrent, .smoke: noCurrent])

    init(
        manifest: ReleaseManifest?, units: [String], unitTexts: [String: String], migrations: [Migration],
        smoke: [SmokeCheck], gaps: [CheckResult.Area: Message]
    ) {
        self.manifest = manifest
        self.units = units
        self.unitTexts = unitTexts
        self.migrations = migrations
        self.smoke = smoke
        self.gaps = gaps
    }

    init(directory: String) throws(CommandFailure) {
        let manager = FileManager.default
        var gaps: [CheckResult.Area: Message] = [:]
        manifest = manager.contents(atPath: directory + "/" + ReleaseBundle.manifestName).flatMap {
            try? JSONDecoder().decode(ReleaseManifest.self, from: $0)
        }
        var names: [String] = []
        var texts: [String: String] = [:]
        do {
            names = try manager.contentsOfDirectory(atPath: directory + "/systemd").filter {
                $0.hasSuffix(".service") || $0.hasSuffix(".timer")
            }.sorted()
            for name in names {
                texts[name] = try String(contentsOfFile: directory + "/systemd/" + name, encoding: .utf8)
            }
        } catch {
            gaps[.automation] = Message(
                en: "the release's systemd/ cannot be read: \(error.localizedDescription)",
                ru: "не читается systemd/ релиза: \(error.localizedDescription)")
        }
        units = names
        unitTexts = texts
        do {
            migrations = try MigrationSet(directory: directory + "/migrations").migrations
        } catch {
            throw CommandFailure(.invalidConfiguration, "migrations", error.description)
        }
        do {
            smoke =
                manager.fileExists(atPath: directory + "/checks/smoke")
                ? try SmokeCheck.load(from: directory + "/checks/smoke") : []
        } catch {
            smoke = []
            gaps[.smoke] = Message(
                en: "the release's checks/smoke cannot be read: \(error.localizedDescription)",
                ru: "не читается checks/smoke релиза: \(error.localizedDescription)")
        }
        self.gaps = gaps
    }

    /// The binary's provenance, from the manifest.
    var binary: VerificationReport.Binary? {
        guard let manifest, let file = manifest.files.first(where: { $0.path == ReleaseBundle.binaryPath }) else {
            return nil
        }
        return VerificationReport.Binary(sha256: file.sha256, builtElsewhere: manifest.binaryOrigin == .elsewhere)
    }

    /// `<commit>` or `<commit>+dirty`, from the manifest.
    var revision: String? {
        manifest?.revision.map { manifest?.dirty == true ? $0 + "+dirty" : $0 }
    }
}
