/// One versioned migration: its up file's statements, the down file's that undo them, and the
/// verify file's queries that prove the up file did what it says.
///
/// Values come from ``MigrationSet``, which checks the files before building them: a migration
/// either has a down file or is marked `-- deployctl:irreversible <reason>`, never both, and its
/// up file holds at least one statement.
public struct Migration: Sendable, Hashable, Identifiable {
    /// The version, from the file names.
    public let version: MigrationVersion

    /// The slug, from the file names: lowercase letters, digits and `_`.
    public let slug: String

    /// The up file's statements, in order.
    public let up: [Statement]

    /// The down file's statements, in order; `nil` when the migration is irreversible.
    public let down: [Statement]?

    /// The verify file's queries, each expected to return one row with one truthy column; empty when
    /// there is no verify file.
    public let verify: [Statement]

    /// The lowercase hex SHA-256 of the up file's bytes, which the history records to detect a file
    /// edited after it was applied.
    public let checksum: String

    /// The file-level directives: those before the up file's first statement that concern the whole
    /// file (`irreversible`). Directives for single statements stay on their ``Statement``.
    public let directives: [Directive]

    /// The up file's path, as the loader was given it.
    public let upFile: String

    /// The down file's path, or `nil`.
    public let downFile: String?

    /// The verify file's path, or `nil`.
    public let verifyFile: String?

    init(
        version: MigrationVersion,
        slug: String,
        up: [Statement],
        down: [Statement]?,
        verify: [Statement],
        checksum: String,
        directives: [Directive],
        upFile: String,
        downFile: String?,
        verifyFile: String?
    ) {
        self.version = version
        self.slug = slug
        self.up = up
        self.down = down
        self.verify = verify
        self.checksum = checksum
        self.directives = directives
        self.upFile = upFile
        self.downFile = downFile
        self.verifyFile = verifyFile
    }

    /// The migration's identity is its version.
    public var id: MigrationVersion { version }

    /// `NNNN_slug`, the file names' common stem as the up file writes it, such as `0003_utm_columns`.
    public var name: String {
        let fileName = upFile.split(separator: "/").last.map(String.init) ?? upFile
        return String(fileName.dropLast(".up.sql".count))
    }

    /// Why the migration cannot be undone, from `-- deployctl:irreversible <reason>`; `nil` when it
    /// has a down file.
    public var irreversibleReason: String? {
        directives.first { $0.kind == .irreversible }?.reason
    }
}
