import Console
import Environments
import Foundation
import HostScripts
import Migrator
import SSH

/// `deployctl rollback <env>`: a deploy back to an earlier release that was live here and passed
/// its post-deploy checks: its units and `current`, and the schema rolled back to that release's
/// newest migration with the down files of the release being left. A down that would delete data
/// is refused unless the caller allows it.
public struct Rollback: Sendable {
    public let environment: Environment
    public let layout: HostLayout
    public let store: ReleaseStore
    public let actor: String

    public init(environment: Environment, store: ReleaseStore, actor: String) {
        self.environment = environment
        self.layout = HostLayout(environment)
        self.store = store
        self.actor = actor
    }

    /// A prepared rollback: the deployment to run, and the folders to remove after it.
    public struct Prepared: Sendable {
        public var deployment: Deployment
        public let from: String
        public let to: String
        /// What the downs delete (when the caller allowed it, or the schema was left).
        public var dataLoss: [String] { schema.dataLoss }
        /// Whether the schema stays as the release being left needs it.
        public var schemaLeft: Bool { schema.keepsSchema }
        /// What happens to the migrations newer than the target.
        let schema: MigrationUndo.Decision
        let temporary: [String]

        /// Removes the release files fetched from the host.
        public func cleanUp() {
            for path in temporary { try? FileManager.default.removeItem(atPath: path) }
        }
    }

    /// Chooses and checks the target (`to`, or the host's previous release) on the ClickHouse host.
    /// A down that would delete data refuses the rollback unless `allowDataLoss`.
    public func prepare(in session: EnvironmentSession, to: ReleaseID.Prefix?, allowDataLoss: Bool)
        async throws(CommandFailure) -> Prepared
    {
        try await prepare(in: session, to: to, undo: .requested(allowDataLoss: allowDataLoss))
    }

    /// Chooses and checks the target; `undo` decides what becomes of the migrations newer than it
    /// (the automatic rollback after a failed deploy leaves the schema where a down would delete data).
    func prepare(in session: EnvironmentSession, to: ReleaseID.Prefix?, undo: MigrationUndo)
        async throws(CommandFailure) -> Prepared
    {
        let host: any RemoteHost
        switch session.connection(to: environment.clickhouse.host) {
        case .success(let connected): host = connected
        case .failure(let failure): throw CommandFailure(.unreachable, "ssh", failure.description)
        }
        let answer = ScriptAnswer(
            try await HostScript(host: host).require(
                .listReleases, [layout.root, layout.auditLog], step: "reading the releases on the host"
            ).stdoutText)
        guard let runs = answer["current"], !runs.isEmpty else {
            throw CommandFailure(
                .checkFailed, "rollback", "\(host.label) runs no release: there is nothing to roll back")
        }
        let current: ReleaseID
        do throws(InvalidPlanValue) {
            current = try ReleaseID(runs)
        } catch {
            throw error.failure(.checkFailed, "rollback", "\(host.label)'s current release")
        }
        // A folder under releases/ that is not named by a release id is not a release to go back to.
        let present = answer.all("release").compactMap { try? ReleaseID($0) }
        let named = to.map { prefix in present.first(where: prefix.matches).map { ReleaseID.Prefix($0) } ?? prefix }
        let chosen = RollbackTarget.choose(
            current: current.value, previous: answer["previous"], present: present.map(\.value),
            passed: answer.all("passed"))
        // With none that passed, the previous release is named, to be refused below for that reason.
        guard let wanted = named ?? (chosen ?? answer["previous"]).flatMap({ try? ReleaseID.Prefix($0) }) else {
            throw CommandFailure(
                .checkFailed, "rollback",
                "\(host.label) has no previous release; name one with --to (on the host: \(present.map(\.value).joined(separator: ", ")))"
            )
        }
        guard wanted.value != current.value else {
            throw CommandFailure(.checkFailed, "rollback", "\(host.label) already runs \(wanted)")
        }
        guard let target = present.first(where: { $0.value == wanted.value }) else {
            throw CommandFailure(
                .checkFailed, "rollback",
                "release \(wanted) is not on \(host.label) (it holds \(present.map(\.value).joined(separator: ", ")))")
        }
        guard answer.all("result:\(target)").contains("ok") else {
            throw CommandFailure(
                .checkFailed, "rollback",
                "release \(target) never passed its post-deploy checks on \(environment.name): roll back to one that did (the audit log shows them)"
            )
        }
        var temporary: [String] = []
        let targetRelease: ReleaseSummary
        let leavingMigrations: [Migration]
        let head: UInt64
        do throws(CommandFailure) {
            targetRelease = try await release(target, on: host, temporary: &temporary)
            leavingMigrations = try migrations(of: try await release(current, on: host, temporary: &temporary))
            head = try migrations(of: targetRelease).map(\.version.value).max() ?? 0
        } catch {
            for path in temporary { try? FileManager.default.removeItem(atPath: path) }
            throw error
        }
        let undone = leavingMigrations.filter { $0.version.value > head }.map(\.version)
        let schema = undo.decide(undoing: undone, of: leavingMigrations)
        if case .refused(let losses) = schema {
            for path in temporary { try? FileManager.default.removeItem(atPath: path) }
            throw CommandFailure(
                .checkFailed, "data_loss",
                "rolling back to \(target) would delete data: \(losses.joined(separator: "; ")). Pass --allow-data-loss --reason \"…\" if that is what you want"
            )
        }
        var deployment = Deployment(environment: environment, release: targetRelease, actor: actor)
        deployment.schemaRollback = schema.keepsSchema ? nil : (leavingMigrations, head)
        deployment.leaveSchema = schema.keepsSchema
        deployment.command = "rollback"
        deployment.rollbackStore = nil
        return Prepared(
            deployment: deployment, from: current.value, to: target.value, schema: schema, temporary: temporary)
    }

    private func migrations(of release: ReleaseSummary) throws(CommandFailure) -> [Migration] {
        do {
            return try MigrationSet(directory: release.path + "/migrations").migrations
        } catch {
            throw CommandFailure(.invalidConfiguration, "migrations", error.description)
        }
    }

    /// The release from the local store, or its manifest, units, migrations and smoke SQL read
    /// from the host into a temporary folder (a workstation that did not build it), accepted only
    /// when its SHA256SUMS is signed by one of `[app] trusted_release_keys` and every file matches.
    private func release(_ id: ReleaseID, on host: any RemoteHost, temporary: inout [String])
        async throws(CommandFailure) -> ReleaseSummary
    {
        if let local = store.summary(of: id.value) { return local }
        let directory = try await ReleaseCopy.fetch(
            from: layout.releaseDirectory(id.value), on: host, release: id.value,
            trusting: environment.app.trustedReleaseKeys)
        temporary.append(directory)
        do {
            let manifest = try JSONDecoder().decode(
                ReleaseManifest.self,
                from: Data(contentsOf: URL(fileURLWithPath: directory + "/" + ReleaseBundle.manifestName)))
            return ReleaseSummary(manifest: manifest, path: directory, status: .stored)
        } catch {
            throw CommandFailure(
                .checkFailed, "release", "cannot read release \(id)'s manifest from \(host.label): \(error)")
        }
    }
}
