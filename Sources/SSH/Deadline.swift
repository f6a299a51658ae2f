/// A point in time after which an operation gives up.
struct Deadline: Sendable {
    let instant: ContinuousClock.Instant

    init(after duration: Duration) {
        instant = ContinuousClock.now.advanced(by: duration)
    }

    /// Time left, never negative.
    var remaining: Duration {
        max(.zero, ContinuousClock.now.duration(to: instant))
    }

    var hasPassed: Bool { remaining == .zero }

    /// Milliseconds left for `poll(2)`, capped at `cap`.
    func pollTimeout(cap: Int) -> Int32 {
        Int32(min(remaining.milliseconds, cap))
    }
}
