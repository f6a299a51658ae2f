/// Who hears what a deploy (or rollback) is doing: each plan step as it starts, and the migrator's
/// line for each statement. Bound for a task and its children (`DeployProgress.$observer.withValue`),
/// as the SSH layer's `TransferProgress` is for the bundle's bytes; without one nothing is reported.
public enum DeployProgress {
    public enum Event: Sendable {
        /// A step of the plan starts (a migration step has no host).
        case step(DeployStep)
        /// The migrator's progress line, such as `0003_orders: statement 2/5 (line 14)`.
        case migration(String)
    }

    public typealias Observer = @Sendable (Event) -> Void

    @TaskLocal public static var observer: Observer?
}
