/// Who hears how far a transfer (`RemoteHost.transfer(file:to:timeout:)`, a deploy's bundle) has
/// got. The observer is bound for a task and its children (`TransferProgress.$observer.withValue`),
/// so the code that starts the transfer needs to know nothing of it; without one nothing is reported.
public enum TransferProgress {
    /// Called after each chunk written with the host's label, the bytes sent so far and the file's size.
    public typealias Observer = @Sendable (_ host: String, _ sent: UInt64, _ total: UInt64) -> Void

    @TaskLocal public static var observer: Observer?
}
