/// How a command ended. Every command's result or failure carries one, and `exitStatus` is the
/// one place where a verdict becomes deployctl's exit status (documented in the README).
public enum Verdict: Sendable, Equatable, Comparable {
    /// Done; warnings allowed.
    case success
    /// A check, a migration or a remote command failed.
    case checkFailed
    /// An environment file, a migration file or a secret reference is invalid, or names nothing.
    case invalidConfiguration
    /// A host could not be reached or authenticated, or ClickHouse did not answer.
    case unreachable
    /// Another run holds the lock.
    case locked
    /// The command line itself is wrong.
    case usage
    /// `exec`: the worst exit status of the remote command (255 when a host could not run it).
    case remote(Int32)

    /// deployctl's exit status for this verdict.
    public var exitStatus: Int32 {
        switch self {
        case .success: 0
        case .checkFailed: 1
        case .invalidConfiguration: 2
        case .unreachable: 3
        case .locked: 4
        case .usage: 64
        case .remote(let status): status
        }
    }

    /// The stable word for this verdict in JSON (`error.code` starts with it).
    public var name: String {
        switch self {
        case .success: "ok"
        case .checkFailed: "check_failed"
        case .invalidConfiguration: "invalid_configuration"
        case .unreachable: "unreachable"
        case .locked: "locked"
        case .usage: "usage"
        case .remote: "remote_failed"
        }
    }

    /// Worse verdicts compare greater, so that `max()` of several is the one to report.
    public static func < (lhs: Verdict, rhs: Verdict) -> Bool {
        lhs.rank < rhs.rank
    }

    private var rank: Int {
        switch self {
        case .success: 0
        case .remote(let status): status == 0 ? 0 : 1
        case .checkFailed: 2
        case .locked: 3
        case .unreachable: 4
        case .invalidConfiguration: 5
        case .usage: 6
        }
    }
}

/// A command that could not do its work, with the verdict that decides the exit status, a stable
/// machine-readable code (`verdict.name` plus a detail, e.g. `invalid_configuration.secret`) and
/// a message for a person.
public struct CommandFailure: Error, Sendable, CustomStringConvertible {
    public let verdict: Verdict
    public let code: String
    public let message: String

    /// `detail` narrows the code: `CommandFailure(.unreachable, "ssh", …)` has code `unreachable.ssh`.
    public init(_ verdict: Verdict, _ detail: String? = nil, _ message: String) {
        self.verdict = verdict
        self.code = detail.map { "\(verdict.name).\($0)" } ?? verdict.name
        self.message = message
    }

    public var description: String { message }
}
