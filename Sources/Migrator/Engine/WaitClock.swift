/// How a run measures the time it has waited and waits some more: a monotonic reading and a
/// sleep. The migration lock uses it for its wait and its renewals; tests hand in a clock whose
/// sleep only moves its reading, so waiting out a deadline takes no time.
public struct WaitClock: Sendable {
    /// Time since an arbitrary fixed origin; never goes backwards.
    public let now: @Sendable () -> Duration
    /// Waits for the duration (returns early when the task is cancelled).
    public let sleep: @Sendable (Duration) async -> Void

    public init(now: @escaping @Sendable () -> Duration, sleep: @escaping @Sendable (Duration) async -> Void) {
        self.now = now
        self.sleep = sleep
    }

    private static let origin = ContinuousClock.now

    /// The real clock: `ContinuousClock` and `Task.sleep`.
    public static let continuous = WaitClock(
        now: { origin.duration(to: .now) },
        sleep: { duration in try? await Task.sleep(for: duration) })
}
