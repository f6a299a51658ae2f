import TextSupport

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What the migrator and the checks need from ClickHouse. The HTTP client is the real conformer;
/// tests of logic that does not depend on the server can use their own.
public protocol ClickHouseQuerying: Sendable {
    /// Runs a statement that returns no rows (DDL, INSERT … SELECT). Never retried.
    func execute(_ sql: String, settings: [String: String]) async throws(ClickHouseError)
    /// Runs a query and returns its rows in TabSeparated form, decoded; NULL is nil. Retried on
    /// transport failures, since reading twice is harmless.
    func rows(_ sql: String, settings: [String: String]) async throws(ClickHouseError) -> [[String?]]
    /// The database unqualified names resolve in, if set.
    var database: String? { get }
    /// The same server and credentials with unqualified names resolving in `database`.
    func using(database: String?) -> Self
}

/// Quoting for ClickHouse SQL text built from values.
public enum ClickHouseSQL {
    /// `value` as a single-quoted string literal.
    public static func literal(_ value: String) -> String {
        "'" + value.escapingScalars(["\\": "\\\\", "'": "\\'"]) + "'"
    }

    /// `name` as a back-quoted identifier.
    public static func identifier(_ name: String) -> String {
        "`" + name.escapingScalars(["\\": "\\\\", "`": "\\`"]) + "`"
    }
}

extension ClickHouseQuerying {
    public func execute(_ sql: String) async throws(ClickHouseError) { try await execute(sql, settings: [:]) }
    public func rows(_ sql: String) async throws(ClickHouseError) -> [[String?]] { try await rows(sql, settings: [:]) }

    /// The first column of the first row, or nil when there is none.
    public func value(_ sql: String, settings: [String: String] = [:]) async throws(ClickHouseError) -> String? {
        try await rows(sql, settings: settings).first?.first ?? nil
    }

    /// Which of `names` are tables or views of `database`, in the order given.
    public func tables(_ names: [String], in database: String) async throws(ClickHouseError) -> [String] {
        guard !names.isEmpty else { return [] }
        let rows = try await using(database: nil).rows(
            "SELECT name FROM system.tables WHERE database = \(ClickHouseSQL.literal(database)) AND name IN ("
                + names.map(ClickHouseSQL.literal).joined(separator: ", ") + ")")
        let found = Set(rows.compactMap { $0.first ?? nil })
        return names.filter(found.contains)
    }
}
