import AuditTrail
import ClickHouse
import Console
import Environments
import Foundation
import HostScripts
import Migrator
import SSH
import Verify

extension Deployment {
    /// Takes this run's lease on every connected host of `session` and keeps it renewed until the
    /// run ends: taken first, so that the gate and the plan are decided under it and no other run
    /// changes the hosts in between.
    ///
    /// - Throws: `CommandFailure` (locked, 4) naming who holds a host's lock, with nothing taken.
    public func lease(in session: EnvironmentSession) async throws(CommandFailure) -> DeployLease {
        let connections = session.links.compactMap { link -> (any RemoteHost)? in
            if case .success(let connection) = link.connection { return connection }
            return nil
        }
        return try await DeployLease.take(run: UUID().uuidString, on: connections, watchdog: watchdog) { run in
            HostLease(layout: layout, owner: actor, command: command, release: release.id, ttl: leaseTTL, id: run)
        }
    }

    /// Performs `plan`'s actions in order under `lease` (taken here when nil and the plan changes
    /// anything), records each one taken, and writes one audit entry per host. A failure stops the
    /// deploy at once; the report says where each host is. The lease is given back at the end.
    public func run(_ plan: DeployPlan, in session: EnvironmentSession, under lease: DeployLease? = nil) async
        -> DeployReport
    {
        let started = ContinuousClock.now
        let connections = session.links.reduce(into: [String: any RemoteHost]()) { result, link in
            if case .success(let connection) = link.connection { result[link.host.name] = connection }
        }
        var taken: [DeployStep] = []
        var failure: CommandFailure?
        var held = lease
        if held == nil && !plan.unchanged {
            do throws(CommandFailure) {
                held = try await self.lease(in: session)
            } catch {
                failure = error
            }
        }
        let runID = held?.run ?? UUID().uuidString
        var executor = ActionExecutor(
            deployment: self, session: session, connections: connections, run: runID, plan: plan,
            leaseLoss: held?.loss ?? LeaseLoss())
        if failure == nil && plan.parallel <= 1 {
            for step in plan.actions {
                do throws(CommandFailure) {
                    try await executor.perform(step)
                    taken.append(step)
                } catch {
                    failure = error
                    break
                }
            }
        } else if failure == nil {
            (taken, failure) = await runInWaves(plan, executor: &executor)
        }
        held?.stopRenewing()
        // A host whose connection was cut gets a new one to tell where it is, record the
        // deploy and give the lease back; a crashed workstation's lease expires by itself.
        var reachable: [String: any RemoteHost] = [:]
        var reopened: [any RemoteHost] = []
        for link in session.links {
            guard let connection = connections[link.host.name] else { continue }
            if (try? await connection.run("true"))?.succeeded == true {
                reachable[link.host.name] = connection
            } else if case .success(let fresh) = await session.reconnect(link.host) {
                reachable[link.host.name] = fresh
                reopened.append(fresh)
            }
        }
        // A failed deploy's armed watchdogs: before the switch the host's snapshot is put back at
        // once; after it, the automatic rollback below takes over, or the watchdog fires by itself
        // on a host deployctl can no longer reach.
        var restored: [String] = []
        var unreachableArmed: [String] = []
        var firedAlready: [String] = []
        if failure != nil {
            for host in plan.hosts where host.took(.armWatchdog, in: taken) && !host.took(.confirm, in: taken) {
                guard let connection = reachable[host.host] else {
                    unreachableArmed.append(host.host)
                    continue
                }
                if host.took(.switchRelease, in: taken) {
                    if (try? await watchdog.disarm(on: connection, run: runID)) != nil {
                        firedAlready.append(host.host)
                    }
                    continue
                }
                let touched = host.unitsTouched(by: taken, stoppedTimers: planner.timers)
                if touched.isEmpty {
                    _ = try? await watchdog.disarm(on: connection, run: runID)
                } else if await watchdog.restoreNow(on: connection, run: runID, units: touched) {
                    restored.append(host.host)
                }
            }
        }
        let outcomes = await finish(
            plan: plan, taken: taken, failure: failure, connections: reachable, session: session, started: started)
        await held?.release(reachable: reachable)
        for connection in reopened { connection.close() }
        var rollback: DeployReport.AutomaticRollback?
        var hosts = outcomes
        let switched = plan.hosts.first { $0.took(.switchRelease, in: taken) }
        let previous = plan.hosts.first?.from?.value ?? "no release"
        var notes: [String] = []
        if !restored.isEmpty {
            notes.append(
                "units and timer put back as they were before the deploy on " + restored.joined(separator: ", "))
        }
        if !firedAlready.isEmpty {
            notes.append("the watchdog of \(firedAlready.joined(separator: ", ")) had already put \(previous) back")
        }
        if !unreachableArmed.isEmpty {
            notes.append(
                "\(unreachableArmed.joined(separator: ", ")) cannot be reached: its watchdog puts \(previous) back by itself within \(Int(environment.deploy.watchdog.components.seconds)) s; `deployctl status` shows it"
            )
        }
        if failure?.code == CommandFailure(.checkFailed, "migration", "").code, switched == nil, rollbackStore != nil {
            rollback = await undoMigrations(of: plan, to: previous, in: session, notes: notes)
        } else if failure != nil, switched == nil, !notes.isEmpty {
            rollback = .init(to: previous, taken: [], failure: nil, note: notes.joined(separator: "; "))
        }
        if failure != nil, firedAlready.isEmpty, unreachableArmed.isEmpty, let store = rollbackStore,
            let from = switched?.from
        {
            let done = await rollBack(to: from, store: store, in: session)
            rollback = done
            if done.failure == nil {
                hosts = outcomes.map { outcome in
                    outcome.release == release.id
                        ? .init(
                            host: outcome.host, release: from.value, result: "failed",
                            detail: "failed after the switch; rolled back to \(from)")
                        : outcome
                }
            }
        }
        return DeployReport(
            plan: plan, taken: taken, hosts: hosts, seconds: started.duration(to: .now).secondsValue,
            roundTrips: session.requests.value,
            failure: failure?.message, rollback: rollback, failureVerdict: failure?.verdict ?? .success)
    }

    /// After a migration failed before any switch: the migrations this deploy applied in full are
    /// undone when `[deploy] rollback_migrations` allows it and their downs delete no data. The
    /// failed one stays recorded at the statement that failed (its earlier statements are applied).
    private func undoMigrations(
        of plan: DeployPlan, to previous: String, in session: EnvironmentSession, notes: [String]
    ) async -> DeployReport.AutomaticRollback? {
        do throws(CommandFailure) {
            let migrations = try self.migrations
            let pending = Set(plan.migrations.map(\.version))
            let head = migrations.map(\.version.value).filter { !pending.contains($0) }.max() ?? 0
            let migrator = try await migrator(in: session)
            let steps: [Migrator<ClickHouseClient>.Step]
            do throws(MigratorError) {
                steps = try await migrator.planDown(to: head)
            } catch {
                throw error.failure
            }
            var notes = notes
            guard !steps.isEmpty else {
                return notes.isEmpty
                    ? nil : .init(to: previous, taken: [], failure: nil, note: notes.joined(separator: "; "))
            }
            let undone = steps.map { DeployStep.migrateDown(version: MigrationVersion($0.version), slug: $0.slug) }
            switch MigrationUndo.automatic(environment).decide(
                undoing: steps.map { MigrationVersion($0.version) }, of: migrations)
            {
            case .keptByPolicy:
                notes.append(
                    "the migrations it applied stay (rollback_migrations = \"never\"): "
                        + undone.compactMap(\.migration).joined(separator: ", "))
                return .init(to: previous, taken: [], failure: nil, note: notes.joined(separator: "; "))
            case .keptForDataLoss(let losses), .refused(let losses):
                notes.append(
                    "the migrations it applied stay: their downs would delete data (\(losses.joined(separator: "; ")))")
                return .init(to: previous, taken: [], failure: nil, note: notes.joined(separator: "; "))
            case .undo: break
            }
            do throws(MigratorError) {
                _ = try await migrator.down(to: head)
            } catch {
                throw error.failure
            }
            return .init(
                to: previous, taken: undone, failure: nil,
                note: notes.isEmpty ? nil : notes.joined(separator: "; "))
        } catch {
            return .init(
                to: previous, taken: [], failure: "undoing the migrations this deploy applied: \(error.message)",
                note: nil)
        }
    }

    /// After a failure past the switch: back to the release that ran before, with its units and
    /// timer, and the migrations this deploy applied undone when `[deploy] rollback_migrations`
    /// allows it and their downs delete no data.
    private func rollBack(to release: ReleaseID, store: ReleaseStore, in session: EnvironmentSession) async
        -> DeployReport.AutomaticRollback
    {
        let prepared: Rollback.Prepared
        do throws(CommandFailure) {
            prepared = try await Rollback(environment: environment, store: store, actor: actor)
                .prepare(in: session, to: .init(release), undo: .automatic(environment))
        } catch {
            return .init(to: release.value, taken: [], failure: error.message, note: nil)
        }
        defer { prepared.cleanUp() }
        let note: String? =
            switch prepared.schema {
            case .keptByPolicy: "the schema stays as the failed release left it (rollback_migrations = \"never\")"
            case .keptForDataLoss(let losses), .refused(let losses):
                "the schema stays as the failed release left it: its downs would delete data (\(losses.joined(separator: "; ")))"
            case .undo: nil
            }
        do throws(CommandFailure) {
            let plan = try await prepared.deployment.plan(in: session, dryRun: false)
            let report = await prepared.deployment.run(plan, in: session)
            return .init(to: release.value, taken: report.taken, failure: report.failure, note: note)
        } catch {
            return .init(to: release.value, taken: [], failure: error.message, note: note)
        }
    }

    /// `--parallel N`: N hosts at a time; in each wave every host's steps up to its switch run at
    /// once, then (in the first wave) the migrations, then every host's switch up to its post-check,
    /// then the post-checks and what follows them: first on the hosts that run the loader, whose run
    /// fills the database, then on the others, whose healthcheck reads it. The first failure stops
    /// the deploy after the phase it happened in.
    private func runInWaves(_ plan: DeployPlan, executor: inout ActionExecutor) async -> (
        [DeployStep], CommandFailure?
    ) {
        var taken: [DeployStep] = []
        let migrations = plan.actions.filter { $0.host == nil }
        for (index, start) in stride(from: 0, to: plan.hosts.count, by: plan.parallel).enumerated() {
            let wave = Array(plan.hosts[start..<min(plan.hosts.count, start + plan.parallel)])
            let before = wave.map { Array($0.actions.prefix { !$0.startsSwitch }) }
            let after = wave.map { Array($0.actions.drop { !$0.startsSwitch }) }
            var (done, failure) = await Self.concurrently(before, executor: executor)
            taken += done
            if failure != nil { return (taken, failure) }
            if index == 0 {
                for step in migrations {
                    do throws(CommandFailure) {
                        try await executor.perform(step)
                        taken.append(step)
                    } catch {
                        return (taken, error)
                    }
                }
            }
            let switching = after.map { Array($0.prefix { $0.kind != .postCheck }) }
            let checks = zip(wave, after).map { (host: $0.host, steps: Array($1.drop { $0.kind != .postCheck })) }
            for phase in [switching] + environment.loaderHostsFirst(checks, host: \.host).map({ $0.map(\.steps) }) {
                (done, failure) = await Self.concurrently(phase, executor: executor)
                taken += done
                if failure != nil { return (taken, failure) }
            }
        }
        return (taken, nil)
    }

    /// Each list of steps on its own task; returns the steps taken and the first failure.
    private static func concurrently(_ lists: [[DeployStep]], executor: ActionExecutor) async -> (
        [DeployStep], CommandFailure?
    ) {
        await withTaskGroup(of: ([DeployStep], CommandFailure?).self) { group in
            for list in lists {
                group.addTask {
                    var mine = executor
                    var taken: [DeployStep] = []
                    for step in list {
                        do throws(CommandFailure) {
                            try await mine.perform(step)
                            taken.append(step)
                        } catch {
                            return (taken, error)
                        }
                    }
                    return (taken, nil)
                }
            }
            var taken: [DeployStep] = []
            var failure: CommandFailure?
            for await (done, failed) in group {
                taken += done
                failure = failure ?? failed
            }
            return (taken, failure)
        }
    }

    /// Reads where each host ended up and writes its audit entry.
    private func finish(
        plan: DeployPlan, taken: [DeployStep], failure: CommandFailure?, connections: [String: any RemoteHost],
        session: EnvironmentSession,
        started: ContinuousClock.Instant
    ) async -> [DeployReport.HostOutcome] {
        let clickhouse: ClickHouseClient?
        let noCopy: String?
        do throws(ClickHouseAccessError) {
            clickhouse = try await session.clickhouse(as: .admin)
            noCopy = nil
        } catch {
            clickhouse = nil
            noCopy = "written on the host only, not to ClickHouse's copy: \(error)"
        }
        var outcomes: [DeployReport.HostOutcome] = []
        for link in session.links {
            guard let connection = connections[link.host.name] else {
                outcomes.append(
                    .init(
                        host: link.host.name, release: nil, result: "unreachable",
                        detail: "cannot be reached to tell which release it runs"))
                continue
            }
            let current =
                (try? await HostScript(host: connection).run(command: "readlink", layout.current))
                .map {
                    $0.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "/").last.map(
                        String.init)
                } ?? nil
            let mine = taken.filter { $0.host?.value == link.host.name }
            let hostFailed =
                failure != nil && plan.actions.contains { $0.host?.value == link.host.name && !taken.contains($0) }
            let result = failure == nil ? "ok" : (hostFailed ? "failed" : "ok")
            let detail: String?
            if plan.unchanged {
                detail = "unchanged"
            } else if hostFailed {
                detail =
                    current == release.id
                    ? "on the new release; its post-deploy check failed"
                    : "still on its previous release \(current ?? "(none)")"
            } else {
                detail = nil
            }
            guard !plan.unchanged || failure != nil else {
                outcomes.append(.init(host: link.host.name, release: current, result: result, detail: detail))
                continue
            }
            let record = AuditRecord(
                command: command, environment: environment.name, host: link.host.name, actor: actor,
                release: release.id,
                result: hostFailed ? "failed" : "ok", seconds: started.duration(to: .now).secondsValue,
                changes: mine.map(\.description),
                detail: hostFailed ? failure?.message : nil)
            var audit = noCopy
            do throws(CommandFailure) {
                try await AuditLog(layout: layout, database: environment.clickhouse.stateDatabase).append(
                    record, on: connection, clickhouse: clickhouse)
            } catch {
                audit = "not recorded: \(error.message)"
            }
            outcomes.append(
                .init(host: link.host.name, release: current, result: result, detail: detail, audit: audit))
        }
        return outcomes
    }
}

/// Performs one plan action at a time.
struct ActionExecutor: Sendable {
    let deployment: Deployment
    let session: EnvironmentSession
    let connections: [String: any RemoteHost]
    /// Set once the migrations ran.
    private var migrated = false

    /// This run's id: its lease's and its watchdogs'.
    let run: String
    let plan: DeployPlan
    /// Set when a renewal of the lease failed: no further step is taken.
    let leaseLoss: LeaseLoss

    init(
        deployment: Deployment, session: EnvironmentSession, connections: [String: any RemoteHost], run: String,
        plan: DeployPlan, leaseLoss: LeaseLoss
    ) {
        self.deployment = deployment
        self.session = session
        self.connections = connections
        self.run = run
        self.plan = plan
        self.leaseLoss = leaseLoss
    }

    var layout: HostLayout { deployment.layout }
    var release: ReleaseSummary { deployment.release }
    var id: String { release.id }

    /// Performs `step`: a migration once for the environment, any other step on its host.
    mutating func perform(_ step: DeployStep) async throws(CommandFailure) {
        if let lost = leaseLoss.failure { throw lost }
        DeployProgress.observer?(.step(step))
        switch step {
        case .migrate: try await migrate()
        case .migrateDown: try await migrateDown()
        case .upload(let name, _): try await upload(to: try connection(for: step), name: name.value)
        case .verifyRelease: try await verifyRelease(on: try connection(for: step))
        case .checkEnvironment: try await checkEnvironment(on: try connection(for: step))
        case .verifyUnits: try await verifyUnits(on: try connection(for: step))
        case .armWatchdog(let name): try await armWatchdog(on: try connection(for: step), name: name.value)
        case .stopTimer: try await stopTimer(on: try connection(for: step))
        case .installUnit(_, let unit): try await installUnit(unit.value, on: try connection(for: step))
        case .removeUnit(_, let unit):
            let script = HostScript(host: try connection(for: step))
            _ = try await script.run(command: "systemctl", "disable", "--now", unit.value)
            try await script.require(
                command: "rm", "-rf", layout.unitPath(unit.value), layout.unitPath(unit.value + ".d"),
                step: "removing \(unit)")
        case .daemonReload:
            try await HostScript(host: try connection(for: step)).require(
                command: "systemctl", "daemon-reload", step: "systemctl daemon-reload")
        case .switchRelease(_, let release):
            try await HostScript(host: try connection(for: step)).require(
                .switchRelease, [layout.root, release.value], step: "switching current to \(release)")
        case .enable(_, let unit):
            try await HostScript(host: try connection(for: step)).require(
                command: "systemctl", "enable", "--quiet", unit.value, step: "enabling \(unit)")
        case .disableTimer:
            let script = HostScript(host: try connection(for: step))
            for timer in deployment.planner.timers {
                try await script.require(
                    command: "systemctl", "disable", "--now", "--quiet", timer, step: "disabling \(timer)")
            }
        case .restart(_, let unit):
            try await HostScript(host: try connection(for: step)).require(
                command: "systemctl", "restart", unit.value, step: "restarting \(unit)")
        case .start(_, let unit):
            try await HostScript(host: try connection(for: step)).require(
                command: "systemctl", "start", unit.value, step: "starting \(unit)")
        case .postCheck(let name):
            try await postCheck(
                on: try connection(for: step),
                loader: deployment.environment.loaderHosts.contains { $0.name == name.value })
        case .confirm: try await confirm(on: try connection(for: step))
        case .prune: try await prune(on: try connection(for: step))
        }
    }

    /// The connection to the host `step` runs on.
    private func connection(for step: DeployStep) throws(CommandFailure) -> any RemoteHost {
        guard let host = step.host, let connection = connections[host.value] else {
            throw CommandFailure(.checkFailed, "plan", "no connection for the step `\(step)`")
        }
        return connection
    }

    private mutating func migrate() async throws(CommandFailure) {
        guard !migrated else { return }
        migrated = true
        let migrator = try await deployment.migrator(in: session)
        do throws(MigratorError) {
            _ = try await migrator.up()
        } catch {
            throw CommandFailure(
                .checkFailed, "migration",
                "\(error.message) — no host has switched: every host stays on its previous release")
        }
    }

    /// A rollback's schema: every migration newer than the target's, undone by the down files of the release being left.
    private mutating func migrateDown() async throws(CommandFailure) {
        guard !migrated, let rollback = deployment.schemaRollback else { return }
        migrated = true
        let migrator = try await EnvironmentMigrator.open(
            in: session, migrations: rollback.migrations,
            options: deployment.migratorOptions)
        do throws(MigratorError) {
            _ = try await migrator.down(to: rollback.to)
        } catch {
            throw CommandFailure(
                .checkFailed, "migration",
                "\(error.message) — no host has switched back yet: every host stays on the release it ran")
        }
    }

    /// Sends the payload the plan packed for `name`: the signed SHA256SUMS and the objects the host lacks.
    private func upload(to host: any RemoteHost, name: String) async throws(CommandFailure) {
        guard let transfer = plan.hosts.first(where: { $0.host == name })?.transfer else {
            throw CommandFailure(.checkFailed, "plan", "\(host.label): the plan has no transfer for release \(id)")
        }
        let state = try await HostScript(host: host).require(
            .freeSpace, [layout.releases], step: "checking free space")
        let free = (UInt64(ScriptAnswer(state.stdoutText)["free"] ?? "") ?? 0) * 1024
        let needed = transfer.wireBytes + transfer.bytes
        guard free >= needed else {
            throw CommandFailure(
                .checkFailed, "disk",
                "\(host.label): \(DeployPlan.mebibytes(free)) free under \(layout.releases), the release needs \(DeployPlan.mebibytes(needed)) (upload and unpacked files); nothing was changed"
            )
        }
        let payload = try transfer.payloadFile(of: release)
        do throws(SSHError) {
            // Unchecked in transit: verify-release checks the signature of SHA256SUMS and every object against it.
            _ = try await host.transfer(
                file: payload, to: "\(layout.releases)/.incoming-\(id).tar", timeout: .seconds(3600))
        } catch {
            throw CommandFailure(
                .unreachable, "ssh",
                "\(host.label): uploading release \(id) failed (\(error)); the host stays on its previous release")
        }
    }

    /// Checks an upload's listing before anything is unpacked (plain files named SHA256SUMS, its
    /// signature or a SHA-256), the signature of SHA256SUMS, and every object received against its
    /// name and that SHA256SUMS; assembles the release from the host's objects, requires exactly the
    /// manifest's files (with its modes) and checks every file against SHA256SUMS, with the host's own
    /// ssh-keygen and sha256sum; only then renames it to `releases/<id>`.
    private func verifyRelease(on host: any RemoteHost) async throws(CommandFailure) {
        let result = try await HostScript(host: host).run(
            .verifyRelease,
            [
                layout.releases, layout.objects, id, layout.allowedSigners, ReleaseBundle.signerIdentity,
                ReleaseBundle.signatureNamespace,
            ] + release.manifest.files.flatMap { [$0.path, $0.mode] })
        let answer = ScriptAnswer(result.stdoutText)
        if let refused = answer["refused"] {
            throw CommandFailure(
                .checkFailed, "release",
                "\(host.label): release \(id) refused: \(refused); the host stays on its previous release")
        }
        guard answer["verified"] == "yes" else {
            throw CommandFailure(
                .checkFailed, "release",
                "\(host.label): verifying release \(id) failed (\(result.outcome)): \(result.stderrText)")
        }
    }

    private func checkEnvironment(on host: any RemoteHost) async throws(CommandFailure) {
        let outcome = try await EnvFileCheck(layout: layout).run(
            on: host, binary: layout.releaseDirectory(id) + "/" + ReleaseBundle.binaryPath)
        guard outcome.ok else {
            throw CommandFailure(
                .checkFailed, "env_file",
                "\(host.label): the env file is not fit for release \(id): \(outcome.problems.joined(separator: "; ")); nothing was switched"
            )
        }
    }

    /// The release's units and drop-ins, staged in a scratch folder and verified with
    /// `systemd-analyze verify` in a private mount namespace where `current` already points at the
    /// new release (the host's own `current` is untouched). Only silence passes.
    private func verifyUnits(on host: any RemoteHost) async throws(CommandFailure) {
        let stage = try await stageUnits(on: host)
        let result = try await HostScript(host: host).run(.verifyUnits, [layout.root, id, stage])
        let output = result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
        guard result.succeeded, output.isEmpty else {
            throw CommandFailure(
                .checkFailed, "units",
                "\(host.label): systemd-analyze verify refuses the release's units: \(output.isEmpty ? result.outcome : output); nothing was switched"
            )
        }
    }

    /// Uploads the units and drop-ins into a fresh folder under /run; returns it.
    private func stageUnits(on host: any RemoteHost) async throws(CommandFailure) -> String {
        let made = try await HostScript(host: host).require(
            command: "mktemp", "-d", "/run/deployctl-units.XXXXXX", step: "making a staging folder")
        let stage = made.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
        do throws(SSHError) {
            for (unit, text) in deployment.planner.unitTexts {
                _ = try await host.upload(Data(text.utf8), to: stage + "/" + unit, mode: 0o644, timeout: .seconds(60))
                if let dropIn = deployment.planner.dropIns[unit] ?? nil {
                    _ = try await host.upload(
                        Data(dropIn.utf8), to: "\(stage)/\(DropInFile.path(for: unit))", mode: 0o644,
                        timeout: .seconds(60))
                }
            }
        } catch {
            throw CommandFailure(.unreachable, "ssh", "\(host.label): staging the units: \(error)")
        }
        return stage
    }

    private func stopTimer(on host: any RemoteHost) async throws(CommandFailure) {
        let seconds = Int(deployment.loaderWait.components.seconds)
        try await HostScript(host: host, timeout: deployment.loaderWait + .seconds(30)).require(
            .stopTimer, [String(seconds)] + deployment.planner.timers + ["--"] + deployment.planner.jobs,
            step: "stopping the loader's timer and waiting for a run in progress")
    }

    private func installUnit(_ unit: String, on host: any RemoteHost) async throws(CommandFailure) {
        guard let text = deployment.planner.unitTexts[unit] else {
            throw CommandFailure(.checkFailed, "plan", "release \(id) has no unit \(unit)")
        }
        let dropIn = deployment.planner.dropIns[unit] ?? nil
        do throws(SSHError) {
            _ = try await host.upload(Data(text.utf8), to: layout.unitPath(unit), mode: 0o644, timeout: .seconds(60))
            if let dropIn {
                _ = try await host.upload(
                    Data(dropIn.utf8), to: layout.dropIn(for: unit), mode: 0o644, timeout: .seconds(60))
            }
        } catch {
            throw CommandFailure(.unreachable, "ssh", "\(host.label): installing \(unit): \(error)")
        }
        if dropIn == nil {
            try await HostScript(host: host).require(
                command: "rm", "-f", layout.dropIn(for: unit), step: "removing the drop-in of \(unit)")
        }
    }

    /// One loader run (on a loader host) and the healthcheck, as the new release runs them.
    private func postCheck(on host: any RemoteHost, loader: Bool) async throws(CommandFailure) {
        let script = HostScript(host: host, timeout: deployment.loaderWait + .seconds(30))
        if loader {
            for job in deployment.planner.jobs {
                let run = try await script.run(.loaderRun, [job])
                let answer = ScriptAnswer(run.stdoutText)
                if let problem = LoaderRunOutcome.judge(answer).problem {
                    let journal =
                        (try? await script.run(command: "journalctl", "-u", job, "-n", "5", "--no-pager", "-o", "cat"))?
                        .stdoutText
                        ?? ""
                    throw CommandFailure(
                        .checkFailed, "post_check",
                        "\(host.label): the loader run after the switch failed (\(problem.english)); its journal: "
                            + journal.split(separator: "\n").suffix(3).joined(separator: " | "))
                }
            }
        }
        let health = try await script.run(
            .releaseCommand, [layout.envFile, layout.current + "/" + ReleaseBundle.binaryPath, "healthcheck"])
        guard health.succeeded else {
            throw CommandFailure(
                .checkFailed, "post_check",
                "\(host.label): the healthcheck after the switch says \(health.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)) (exit \(health.exitStatus))"
            )
        }
    }

    /// Saves what `name` runs and arms its watchdog over every unit the deploy may touch; an
    /// earlier firing found there goes into the audit log first.
    private func armWatchdog(on host: any RemoteHost, name: String) async throws(CommandFailure) {
        let units = Set(deployment.planner.unitTexts.keys).union(
            plan.hosts.first { $0.host == name }?.units.map(\.unit) ?? [])
        let fired = try await deployment.watchdog.arm(
            on: host, run: run, release: id, actor: deployment.actor, units: units.sorted())
        if let fired {
            let clickhouse = try? await session.clickhouse(as: .admin)
            try await AuditLog(layout: layout, database: deployment.environment.clickhouse.stateDatabase).append(
                HostWatchdog.auditRecord(fired, environment: deployment.environment.name, host: name), on: host,
                clickhouse: clickhouse)
        }
    }

    /// Tells the host's watchdog the checks passed; fails if it restored the old release first.
    private func confirm(on host: any RemoteHost) async throws(CommandFailure) {
        if let fired = try await deployment.watchdog.disarm(on: host, run: run) {
            throw CommandFailure(
                .checkFailed, "watchdog",
                "\(host.label): the host's watchdog restored \(fired.to.isEmpty ? "no release" : fired.to) at \(fired.at) before deployctl could confirm \(id) (window \(fired.window) s)"
            )
        }
    }

    /// Removes the oldest releases beyond `keep_releases`; never the current or the previous one.
    private func prune(on host: any RemoteHost) async throws(CommandFailure) {
        let keep = deployment.environment.app.keepReleases
        try await HostScript(host: host).require(
            .pruneReleases, [layout.root, String(keep)], step: "pruning old releases")
    }
}
