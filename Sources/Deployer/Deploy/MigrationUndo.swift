import Environments
import Migrator

/// Whether a rollback undoes the migrations newer than its target: the one decision behind the
/// automatic rollback of a failed deploy (before its switch or after it) and `deployctl rollback`.
struct MigrationUndo: Sendable {
    /// What happens to the schema.
    enum Decision: Sendable, Equatable {
        /// The downs run; `dataLoss` is what they delete (empty unless the caller allowed it).
        case undo(dataLoss: [String])
        /// The schema stays: `[deploy] rollback_migrations = "never"`.
        case keptByPolicy
        /// The schema stays: the downs would delete data.
        case keptForDataLoss([String])
        /// The rollback is refused: the downs would delete data and the caller did not allow it.
        case refused([String])

        /// Whether the schema stays as it is.
        var keepsSchema: Bool {
            if case .undo = self { return false }
            return true
        }

        /// What the downs delete: allowed, or the reason the schema stays or the rollback is refused.
        var dataLoss: [String] {
            switch self {
            case .undo(let losses), .keptForDataLoss(let losses), .refused(let losses): losses
            case .keptByPolicy: []
            }
        }
    }

    /// `[deploy] rollback_migrations`; nil for a rollback a person asked for, which it does not govern.
    let policy: Environment.Deploy.RollbackMigrations?
    /// `--allow-data-loss`.
    let allowDataLoss: Bool
    /// Whether downs that would delete data leave the schema as it is instead of refusing the rollback.
    let keepSchemaOnDataLoss: Bool

    /// The automatic rollback after a failed deploy: the environment's policy, and never a down that deletes data.
    static func automatic(_ environment: Environment) -> MigrationUndo {
        MigrationUndo(policy: environment.deploy.rollbackMigrations, allowDataLoss: false, keepSchemaOnDataLoss: true)
    }

    /// `deployctl rollback`: a down that deletes data refuses the rollback unless `allowDataLoss`.
    static func requested(allowDataLoss: Bool) -> MigrationUndo {
        MigrationUndo(policy: nil, allowDataLoss: allowDataLoss, keepSchemaOnDataLoss: false)
    }

    /// The decision for rolling back `versions` of `migrations` by their down files.
    func decide(undoing versions: [MigrationVersion], of migrations: [Migration]) -> Decision {
        if policy == .never { return .keptByPolicy }
        let losses = MigrationLinter().dataLoss(rollingBack: versions, of: migrations)
        if losses.isEmpty || allowDataLoss { return .undo(dataLoss: losses) }
        return keepSchemaOnDataLoss ? .keptForDataLoss(losses) : .refused(losses)
    }
}
