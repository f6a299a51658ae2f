import ClickHouse

/// Why a migrator operation stopped. `message` says what happened and what to do next.
public struct MigratorError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable {
        /// The migration files are invalid (naming, pairing, splitting).
        case files
        /// Lint found errors.
        case lint
        /// An applied migration's file changed, or vanished.
        case drift
        /// A pending migration is older than the newest applied one.
        case outOfOrder
        /// A failed or interrupted migration cannot be resumed as it is.
        case cannotResume
        /// A statement failed on the server.
        case statementFailed
        /// A verify query did not return true.
        case verifyFailed
        /// Another run holds the lock.
        case locked
        /// This run's claim on the lock ended while it ran (broken, or not renewed in time); it
        /// stopped before its next statement.
        case lockLost
        /// The request makes no sense for the current state (rolling back an irreversible migration…).
        case invalidRequest
        /// The database could not be read or written.
        case database
        /// The replay found a difference or a failure.
        case replay
    }

    public let code: Code
    public let message: String
    public let cause: ClickHouseError?

    public init(_ code: Code, _ message: String, cause: ClickHouseError? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String { message }
}
