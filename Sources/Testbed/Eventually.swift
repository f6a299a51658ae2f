import Foundation

/// Waits for `condition` to hold, asking every `interval` until `deadline` has passed: how tests
/// wait for something another party does (a replica catching up, a statement getting under way)
/// instead of sleeping for a guessed time. Returns whether it held in time.
public func eventually(
    within deadline: Duration = .seconds(30), every interval: Duration = .milliseconds(100),
    _ condition: () async throws -> Bool
) async throws -> Bool {
    let clock = ContinuousClock()
    let end = clock.now + deadline
    while true {
        if try await condition() { return true }
        if clock.now >= end { return false }
        try await Task.sleep(for: interval)
    }
}
