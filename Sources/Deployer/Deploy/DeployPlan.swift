import ClickHouse
import Console
import Crypto
import Environments
import Foundation
import Migrator

/// What `deployctl deploy` will do, computed before anything changes; `--dry-run` prints it and
/// stops. The deploy then performs exactly `actions`, in order, and records each one it took, so a
/// plan and the deploy that follows it can be compared step for step.
public struct DeployPlan: CommandOutput {
    /// One unit on one host.
    public struct UnitChange: Sendable, Encodable, Equatable {
        public enum Kind: String, Sendable, Encodable { case added, changed, removed, unchanged }
        public let unit: String
        public let kind: Kind
        /// `diff -u` of the installed unit (and drop-in) against the new one.
        public let diff: String?
    }

    /// One host's part.
    public struct HostPlan: Sendable, Encodable {
        public let host: String
        /// The release `current` points at now.
        public let from: ReleaseID?
        /// Whether the release must be uploaded (false: the host already holds the release).
        public let upload: Bool
        /// What the upload sends: the files whose content the host lacks, compressed.
        public let transfer: ReleaseTransfer?
        public let units: [UnitChange]
        /// Units (re)started after the switch.
        public let restarts: [String]
        /// Whether this host runs the loader's timer.
        public let loader: Bool
        /// Free space at the root, and what the upload needs.
        public let freeBytes: UInt64
        public let neededBytes: UInt64
        /// Nothing to do: the release runs already and every unit is as it should be.
        public let unchanged: Bool
        /// The steps on this host, in order.
        public let actions: [DeployStep]

        /// Whether a step of `kind` on this host is among `taken`.
        func took(_ kind: DeployStep.Kind, in taken: [DeployStep]) -> Bool {
            actions.contains { $0.kind == kind && taken.contains($0) }
        }

        /// The units a deploy that stopped after `taken` may have changed on this host: those of
        /// the steps it took and of the one it failed at (this host's first step not taken), with
        /// `stoppedTimers` for the step that stops the loader's timers. A restore puts back these
        /// and leaves every other unit running as it was.
        func unitsTouched(by taken: [DeployStep], stoppedTimers: [String]) -> [String] {
            let attempted = actions.prefix { taken.contains($0) } + actions.drop { taken.contains($0) }.prefix(1)
            var units: [String] = []
            for step in attempted {
                let touched: [String] =
                    switch step {
                    case .stopTimer: stoppedTimers
                    case .installUnit(_, let unit), .removeUnit(_, let unit): [unit.value]
                    default: []
                    }
                units += touched.filter { !units.contains($0) }
            }
            return units
        }
    }

    public let environment: String
    public let release: String
    public let revision: String?
    /// Pending migrations of the release, with their statements.
    public let migrations: [Migrator<ClickHouseClient>.Step]
    /// Lint findings of the release's migrations.
    public let lint: [String]
    public let hosts: [HostPlan]
    /// Every step of the deploy, in order: the hosts' steps with the migrations before the first switch.
    public let actions: [DeployStep]
    /// Whether the plan was only printed.
    public let dryRun: Bool
    /// How many hosts are deployed at once (1: one after another).
    public let parallel: Int
    /// `deploy` or `rollback`.
    public let command: String

    /// Nothing to do anywhere.
    public var unchanged: Bool { migrations.isEmpty && hosts.allSatisfy(\.unchanged) }

    public func render(_ terminal: Terminal) -> String {
        var lines = [
            "\(command == "rollback" ? "roll back to" : "deploy") \(terminal.bold(release))"
                + (revision.map { " (git \($0))" } ?? "") + " \(command == "rollback" ? "on" : "to") \(environment)"
                + (dryRun ? " — dry run, nothing changes" : "")
        ]
        if unchanged {
            lines.append(
                "  every host already runs \(release) with its units as the release installs them: nothing to do")
            return lines.joined(separator: "\n")
        }
        let verb = migrations.first?.direction == .down ? "to roll back" : "to apply"
        lines.append(
            migrations.isEmpty
                ? (command == "rollback" ? "  migrations: none to roll back" : "  migrations: none pending")
                : "  migrations: \(migrations.count) \(verb): "
                    + migrations.map {
                        "\(MigrationVersion($0.version))_\($0.slug) (\($0.statements.count) statement(s))"
                    }.joined(separator: ", "))
        for finding in lint { lines.append("    " + finding) }
        for host in hosts {
            let from = host.from?.value ?? "nothing"
            lines.append("  \(terminal.bold(host.host)): \(from) → \(release)" + (host.unchanged ? " (unchanged)" : ""))
            lines.append(
                "    release files: "
                    + (host.transfer.map {
                        "\($0.summary); needs \(Self.mebibytes(host.neededBytes)) of \(Self.mebibytes(host.freeBytes)) free"
                    } ?? "already on the host"))
            for unit in host.units where unit.kind != .unchanged {
                lines.append("    unit \(unit.unit): \(unit.kind.rawValue)")
                if let diff = unit.diff {
                    lines += diff.split(separator: "\n", omittingEmptySubsequences: false).map { "      " + $0 }
                }
            }
            if !host.restarts.isEmpty { lines.append("    restart: " + host.restarts.joined(separator: ", ")) }
            lines.append("    loader timer: " + (host.loader ? "enabled here" : "not on this host"))
            if host.actions.contains(where: { $0.kind == .armWatchdog }) {
                let back = host.from.map { "goes back to \($0)" } ?? "removes this release's units"
                lines.append(
                    "    watchdog: if deployctl stops answering before the checks pass, the host \(back) by itself")
            }
        }
        if hosts.count > 1 {
            lines.append(
                parallel > 1
                    ? "  hosts: \(parallel) at a time" : "  hosts: one after another, stopping at the first failure")
        }
        lines.append("  steps:")
        for (index, step) in actions.enumerated() {
            lines.append(String(format: "    %2d. ", index + 1) + step.description)
        }
        return lines.joined(separator: "\n")
    }

    static func mebibytes(_ bytes: UInt64) -> String { String(format: "%.1f MiB", Double(bytes) / 1_048_576) }
}

/// Computes a `DeployPlan` from the release and what each host holds.
struct DeployPlanner {
    let environment: Environment
    let layout: HostLayout
    let release: ReleaseSummary

    /// The release's unit files, by name, with their text, and the drop-in for each (nil where
    /// the environment changes nothing); read once, when the planner is made.
    let unitTexts: [String: String]
    let dropIns: [String: String?]
    /// The release's id and unit names as the steps carry them, checked when the planner is made;
    /// `plan` throws the failure of a manifest that names something unsafe.
    let names: Result<ReleaseNames, CommandFailure>

    /// The release's timers, and the services they start.
    var timers: [String] { unitTexts.filter { UnitKind($0.value) == .timer }.map(\.key).sorted() }
    var jobs: [String] {
        unitTexts.filter { UnitKind($0.value) == .service(longRunning: false, wanted: false) }.map(\.key).sorted()
    }

    /// The release's id and unit names, checked.
    struct ReleaseNames: Sendable {
        let id: ReleaseID
        /// Sorted.
        let units: [UnitName]
    }

    init(environment: Environment, layout: HostLayout, release: ReleaseSummary) {
        self.environment = environment
        self.layout = layout
        self.release = release
        var texts: [String: String] = [:]
        for file in release.manifest.units {
            texts[String(file.path.dropFirst("systemd/".count))] =
                (try? String(contentsOfFile: release.path + "/" + file.path, encoding: .utf8)) ?? ""
        }
        unitTexts = texts
        dropIns = UnitDropIn.all(for: texts, layout: layout, environment: environment.name)
        names = Result { () throws(CommandFailure) in
            do throws(InvalidPlanValue) {
                return ReleaseNames(
                    id: try ReleaseID(release.id), units: try texts.keys.sorted().map(UnitName.init(_:)))
            } catch {
                throw error.failure(.checkFailed, "release", "release \(release.id)'s manifest")
            }
        }
    }

    var bundleBytes: UInt64 { release.manifest.files.reduce(0) { $0 + $1.size } }

    func plan(
        hosts: [(host: Environment.Host, state: HostState)], migrations: [Migrator<ClickHouseClient>.Step],
        lint: [String], dryRun: Bool,
        parallel: Int = 1, command: String = "deploy"
    ) throws(CommandFailure) -> DeployPlan {
        let names = try names.get()
        let loaderHosts = Set(environment.loaderHosts.map(\.name))
        // A rollback goes to a release that passed here: only a deploy arms the host's watchdog.
        var hostPlans: [DeployPlan.HostPlan] = []
        for (host, state) in hosts {
            hostPlans.append(
                try plan(
                    for: host, state: state, names: names, loader: loaderHosts.contains(host.name),
                    watchdog: command == "deploy"))
        }
        var actions: [DeployStep] = []
        let migrationSteps = migrations.map {
            $0.direction == .down
                ? DeployStep.migrateDown(version: MigrationVersion($0.version), slug: $0.slug)
                : DeployStep.migrate(version: MigrationVersion($0.version), slug: $0.slug)
        }
        // Migrations run once, after the first hosts hold the verified bundle and before any switch.
        for (index, start) in stride(from: 0, to: hostPlans.count, by: max(1, parallel)).enumerated() {
            let wave = hostPlans[start..<min(hostPlans.count, start + max(1, parallel))]
            for host in wave { actions += host.actions.prefix { !$0.startsSwitch } }
            if index == 0 { actions += migrationSteps }
            for host in wave { actions += host.actions.drop { !$0.startsSwitch } }
        }
        if hostPlans.isEmpty { actions += migrationSteps }
        return DeployPlan(
            environment: environment.name, release: release.id, revision: release.manifest.revision,
            migrations: migrations, lint: lint,
            hosts: hostPlans, actions: actions, dryRun: dryRun, parallel: max(1, parallel), command: command)
    }

    /// What `host` reported, checked where it enters the plan: its name, the release it runs and
    /// the units that release shipped.
    private func checked(_ host: Environment.Host, _ state: HostState) throws(CommandFailure)
        -> (name: HostName, current: ReleaseID?, currentUnits: [UnitName])
    {
        let name: HostName
        do throws(InvalidPlanValue) {
            name = try HostName(host.name)
        } catch {
            throw error.failure(.invalidConfiguration, "environment", "a host of \(environment.name)")
        }
        do throws(InvalidPlanValue) {
            return (
                name, try state.current.map(ReleaseID.init(_:)),
                try state.currentUnits.sorted().map(UnitName.init(_:))
            )
        } catch {
            throw error.failure(.checkFailed, "host", "\(host.name)'s current release")
        }
    }

    private func plan(
        for host: Environment.Host, state: HostState, names: ReleaseNames, loader: Bool, watchdog: Bool
    ) throws(CommandFailure) -> DeployPlan.HostPlan {
        let (name, current, currentUnits) = try checked(host, state)
        let texts = unitTexts
        let dropIns = dropIns
        let id = names.id
        var changes: [DeployPlan.UnitChange] = []
        var removals: [UnitName] = []
        for unit in names.units.map(\.value) {
            let unitHash = ReleaseBuilder.sha256(of: texts[unit] ?? "")
            let wantedDropIn = dropIns[unit] ?? nil
            let dropInHash = wantedDropIn.map(ReleaseBuilder.sha256(of:))
            let installed = state.unitHashes[unit]
            if installed == nil {
                changes.append(.init(unit: unit, kind: .added, diff: nil))
            } else if installed != unitHash || state.dropInHashes[unit] != dropInHash {
                let old = (state.unitTexts[unit] ?? "") + (state.dropInTexts[unit].map { "\n# drop-in\n" + $0 } ?? "")
                let new = (texts[unit] ?? "") + (wantedDropIn.map { "\n# drop-in\n" + $0 } ?? "")
                changes.append(
                    .init(
                        unit: unit, kind: .changed,
                        diff: UnifiedDiff.of(old, new, from: layout.unitPath(unit), to: "release \(release.id)")))
            } else {
                changes.append(.init(unit: unit, kind: .unchanged, diff: nil))
            }
        }
        let installs = names.units.filter { unit in changes.contains { $0.unit == unit.value && $0.kind != .unchanged }
        }
        for unit in currentUnits where texts[unit.value] == nil {
            changes.append(.init(unit: unit.value, kind: .removed, diff: nil))
            removals.append(unit)
        }
        let switching = current != id
        let binaryChanged =
            state.currentManifest?.file(ReleaseBundle.binaryPath)?.sha256
            != release.manifest.file(ReleaseBundle.binaryPath)?.sha256
        let changedUnits = Set(changes.filter { $0.kind != .unchanged }.map(\.unit))
        var restarts: [UnitName] = []
        var starts: [UnitName] = []
        var enables: [UnitName] = []
        for unit in names.units {
            switch UnitKind(texts[unit.value] ?? "") {
            case .timer:
                // The deploy stops the timer while it switches; on a loader host it starts again
                // after, restarted only when the timer itself changed.
                if loader && changedUnits.contains(unit.value) {
                    restarts.append(unit)
                } else if loader {
                    starts.append(unit)
                }
                if loader { enables.append(unit) }
            case .service(let longRunning, let wanted):
                if longRunning && (changedUnits.contains(unit.value) || binaryChanged || current == nil) {
                    restarts.append(unit)
                }
                if wanted { enables.append(unit) }
            }
        }
        let upload = !state.releases.contains(id.value)
        let transfer = upload ? state.transfer : nil
        var actions: [DeployStep] = []
        if upload { actions.append(.upload(host: name, release: id)) }
        if switching || upload { actions.append(.verifyRelease(host: name, release: id)) }
        if switching { actions.append(.checkEnvironment(host: name)) }
        let unitWork = !changedUnits.isEmpty
        if unitWork { actions.append(.verifyUnits(host: name)) }
        if watchdog && (unitWork || switching) { actions.append(.armWatchdog(host: name)) }
        if unitWork || switching { actions.append(.stopTimer(host: name)) }
        if unitWork {
            actions += installs.map { .installUnit(host: name, unit: $0) }
            actions += removals.map { .removeUnit(host: name, unit: $0) }
            actions.append(.daemonReload(host: name))
        }
        if switching { actions.append(.switchRelease(host: name, to: id)) }
        if unitWork || switching {
            actions += enables.map { .enable(host: name, unit: $0) }
            if !loader, texts.keys.contains(where: { UnitKind(texts[$0] ?? "") == .timer }) {
                actions.append(.disableTimer(host: name))
            }
            actions += restarts.map { .restart(host: name, unit: $0) }
            actions += starts.map { .start(host: name, unit: $0) }
            actions.append(.postCheck(host: name))
            if watchdog { actions.append(.confirm(host: name)) }
            actions.append(.prune(host: name))
        }
        return DeployPlan.HostPlan(
            host: host.name, from: current, upload: upload, transfer: transfer, units: changes,
            restarts: restarts.map(\.value), loader: loader, freeBytes: state.freeBytes,
            neededBytes: upload ? transfer.map { $0.wireBytes + $0.bytes } ?? bundleBytes * 2 : 0,
            unchanged: actions.isEmpty, actions: actions)
    }
}

/// What a unit is to a deploy.
enum UnitKind: Equatable {
    case timer
    /// `longRunning`: not a oneshot, so it runs the binary until restarted; `wanted`: has an `[Install]` section.
    case service(longRunning: Bool, wanted: Bool)

    init(_ text: String) {
        let parsed = UnitText(text)
        if !parsed.section("Timer").isEmpty {
            self = .timer
        } else {
            self = .service(
                longRunning: parsed.section("Service")["Type"] != "oneshot", wanted: !parsed.section("Install").isEmpty)
        }
    }
}

extension ReleaseBuilder {
    static func sha256(of text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).hexadecimal
    }
}
