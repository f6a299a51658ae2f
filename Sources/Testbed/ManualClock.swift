import Foundation
import Migrator

/// A `WaitClock` for tests: its reading moves only when something sleeps on it (or `advance` is
/// called), so a test of a minute-long wait finishes at once.
public final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var reading: Duration = .zero
    private var sleeps: [Duration] = []

    public init() {}

    /// Time since the clock was made, as its sleepers have moved it.
    public var now: Duration { lock.withLock { reading } }

    /// Every sleep asked for, in order.
    public var sleepsAsked: [Duration] { lock.withLock { sleeps } }

    public func advance(by duration: Duration) {
        lock.withLock { reading += duration }
    }

    /// The clock to hand to the code under test.
    public var waitClock: WaitClock {
        WaitClock(
            now: { [self] in now },
            sleep: { [self] duration in
                lock.withLock {
                    sleeps.append(duration)
                    reading += duration
                }
            })
    }
}
