extension MigrationSetError {
    /// The kind of a problem, stable across wording changes so that callers can branch on it.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// The folder, or a file in it, could not be read.
        case unreadable
        /// A file name does not follow `NNNN_slug.up.sql`, `.down.sql` or `.verify.sql`.
        case badFileName
        /// Two files claim the same version and role.
        case duplicateVersion
        /// A down or verify file's slug differs from its up file's.
        case slugMismatch
        /// A down file has no up file.
        case downWithoutUp
        /// A verify file has no up file.
        case verifyWithoutUp
        /// A migration has no down file and no `-- deployctl:irreversible` directive.
        case missingDown
        /// A migration is marked irreversible but has a down file.
        case irreversibleWithDown
        /// A file holds no statement.
        case emptyFile
        /// A file starts with a UTF-8 byte order mark.
        case byteOrderMark
        /// A file is not valid UTF-8.
        case invalidUTF8
        /// A file holds text that was damaged by a wrong conversion.
        case mojibake
        /// A file could not be split into statements.
        case syntax
        /// A `deployctl:` directive has a name deployctl does not know.
        case unknownDirective
        /// A directive stands where it cannot apply.
        case misplacedDirective
        /// A directive that needs a reason has none.
        case missingReason
    }
}
