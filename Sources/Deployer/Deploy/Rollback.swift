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
        public let deployment: Deployment
        public let from: String
        public let to: String
        /// What the downs delete (when the caller allowed it, or the schema was left).
        public let dataLoss: [String]
        /// Whether the schema stays as the release being left needs it (its downs would delete data).
        public let schemaLeft: Bool
        let temporary: [String]

        /// Removes the release files fetched from the host.
        public func cleanUp() {
            for path in temporary { try? FileManager.default.removeItem(atPath: path) }
        }
    }

    /// Chooses and checks the target (`to`, or the host's previous release) on the ClickHouse host.
    /// `leaveSchemaOnDataLoss`: when a down would delete data, roll back the units and `current`
    /// only and leave the schema (the automatic rollback after a failed deploy does this);
    /// `keepSchema`: leave the schema in any case (`[deploy] rollback_migrations = "never"`).
    public func prepare(
        in session: EnvironmentSession, to: String?, allowDataLoss: Bool, leaveSchemaOnDataLoss: Bool = false,
        keepSchema: Bool = false
    ) async throws(CommandFailure) -> Prepared {
        let host: any RemoteHost
        switch session.connection(to: environment.clickhouse.host) {
        case .success(let connected): host = connected
        case .failure(let failure): throw CommandFailure(.unreachable, "ssh", failure.description)
        }
        let answer = ScriptAnswer(
            try await HostScript(host: host).require(
                """
                c=$(readlink \(layout.current.shellQuoted) 2>/dev/null || true); echo "current=${c##*/}"
                [ ! -f \(layout.shared.shellQuoted)/previous ] || echo "previous=$(cat \(layout.shared.shellQuoted)/previous)"
                for d in \(layout.releases.shellQuoted)/*/; do [ -f "$d/RELEASE" ] && echo "present=$(basename "$d")"; done 2>/dev/null || true
                [ ! -f \(layout.auditLog.shellQuoted) ] || grep -E '"command":"(deploy|rollback)"' \(layout.auditLog.shellQuoted) | grep '"result":"ok"' \
                  | sed -n 's/.*"release":"\\([^"]*\\)".*/passed=\\1/p'
                """, step: "reading the releases on the host"
            ).stdoutText)
        guard let current = answer["current"], !current.isEmpty else {
            throw CommandFailure(
                .checkFailed, "rollback", "\(host.label) runs no release: there is nothing to roll back")
        }
        let present = answer.all("present")
        let wanted = to.map { id in present.first { $0.hasPrefix(id) } ?? id } ?? answer["previous"]
        guard let target = wanted else {
            throw CommandFailure(
                .checkFailed, "rollback",
                "\(host.label) has no previous release; name one with --to (on the host: \(present.joined(separator: ", ")))"
            )
        }
        guard target != current else {
            throw CommandFailure(.checkFailed, "rollback", "\(host.label) already runs \(target)")
        }
        guard present.contains(target) else {
            throw CommandFailure(
                .checkFailed, "rollback",
                "release \(target) is not on \(host.label) (it holds \(present.joined(separator: ", ")))")
        }
        guard answer.all("passed").contains(target) else {
            throw CommandFailure(
                .checkFailed, "rollback",
                "release \(target) never passed its post-deploy checks on \(environment.name): roll back to one that did (the audit log shows them)"
            )
        }
        var temporary: [String] = []
        let targetRelease = try await release(target, on: host, temporary: &temporary)
        let leaving = try await release(current, on: host, temporary: &temporary)
        let leavingMigrations = try migrations(of: leaving)
        let head = try migrations(of: targetRelease).map(\.version.value).max() ?? 0
        let undone = leavingMigrations.filter { $0.version.value > head }.map(\.version)
        let losses = MigrationLinter().dataLoss(rollingBack: undone, of: leavingMigrations)
        let leaveSchema = keepSchema || (!losses.isEmpty && !allowDataLoss && leaveSchemaOnDataLoss)
        if !losses.isEmpty && !allowDataLoss && !leaveSchema && !keepSchema {
            for path in temporary { try? FileManager.default.removeItem(atPath: path) }
            throw CommandFailure(
                .checkFailed, "data_loss",
                "rolling back to \(target) would delete data: \(losses.joined(separator: "; ")). Pass --allow-data-loss --reason \"…\" if that is what you want"
            )
        }
        var deployment = Deployment(environment: environment, release: targetRelease, actor: actor)
        deployment.schemaRollback = leaveSchema ? nil : (leavingMigrations, head)
        deployment.leaveSchema = leaveSchema
        deployment.command = "rollback"
        deployment.rollbackStore = nil
        return Prepared(
            deployment: deployment, from: current, to: target, dataLoss: losses, schemaLeft: leaveSchema,
            temporary: temporary)
    }

    private func migrations(of release: ReleaseSummary) throws(CommandFailure) -> [Migration] {
        do {
            return try MigrationSet(directory: release.path + "/migrations").migrations
        } catch {
            throw CommandFailure(.invalidConfiguration, "migrations", error.description)
        }
    }

    /// The release from the local store, or its manifest, units, migrations and smoke SQL read
    /// from the host into a temporary folder (a workstation that did not build it).
    private func release(_ id: String, on host: any RemoteHost, temporary: inout [String]) async throws(CommandFailure)
        -> ReleaseSummary
    {
        if let local = store.summary(of: id) { return local }
        let directory = try await ReleaseCopy.fetch(from: layout.releaseDirectory(id), on: host, release: id)
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
