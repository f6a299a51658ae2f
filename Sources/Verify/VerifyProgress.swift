/// Who hears which area a host's verification is in. Bound for a task and its children
/// (`VerifyProgress.$observer.withValue`); without one nothing is reported.
public enum VerifyProgress {
    /// Called with the host's label and the area whose checks start.
    public typealias Observer = @Sendable (_ host: String, _ area: CheckResult.Area) -> Void

    @TaskLocal public static var observer: Observer?
}
