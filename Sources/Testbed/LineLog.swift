import Foundation

/// Collects lines from callbacks that may run on any thread (progress output, streamed command output).
public final class LineLog: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    public init() {}

    public func add(_ line: String) { lock.withLock { lines.append(line) } }

    public var all: [String] { lock.withLock { lines } }
}
