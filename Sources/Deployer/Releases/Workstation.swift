import ClickHouse
import Migrator

/// The person and machine running deployctl, as every record names them.
public enum Workstation {
    /// `user@host`, as the migrator's history records it too.
    public static var actor: String { Migrator<ClickHouseClient>.Options.defaultActor }
}
