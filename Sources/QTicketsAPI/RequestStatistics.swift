import NIOConcurrencyHelpers

/// Counts of what a client sent, shared by every copy of it: `meta_job_runs` records them.
public final class RequestStatistics: Sendable {
    private let counts = NIOLockedValueBox((requests: 0, retries: 0, waiting: Duration.zero, parsing: Duration.zero))

    public init() {}

    /// HTTP requests sent, retries included.
    public var requests: Int { counts.withLockedValue { $0.requests } }
    /// Requests that repeated an earlier failed one.
    public var retries: Int { counts.withLockedValue { $0.retries } }
    /// Wall time spent waiting for answers (and backing off).
    public var waiting: Duration { counts.withLockedValue { $0.waiting } }

    /// CPU time spent decoding answers.
    public var parsing: Duration { counts.withLockedValue { $0.parsing } }

    func record(parsing duration: Duration) {
        counts.withLockedValue { $0.parsing += duration }
    }

    func record(retry: Bool, waited: Duration) {
        counts.withLockedValue {
            $0.requests += 1
            if retry { $0.retries += 1 }
            $0.waiting += waited
        }
    }

    func record(backoff: Duration) {
        counts.withLockedValue { $0.waiting += backoff }
    }
}
