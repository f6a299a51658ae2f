/// How often and how patiently a transient failure (429, 5xx, reset, truncated answer) is retried.
/// Bounded: after `maxAttempts` the last error is returned.
public struct RetryPolicy: Sendable {
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration

    public init(maxAttempts: Int = 5, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(8)) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// Exponential backoff with full jitter: attempt 1 waits up to `baseDelay`, each next one up to
    /// twice as long, never more than `maxDelay`.
    public func delay(beforeRetry retry: Int) -> Duration {
        let ceiling = min(maxDelay, baseDelay * (1 << min(retry - 1, 20)))
        return ceiling * Double.random(in: 0.5...1)
    }
}
