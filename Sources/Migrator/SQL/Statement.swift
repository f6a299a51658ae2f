/// One statement of a migration file, as ``StatementSplitter`` cut it out.
public struct Statement: Sendable, Hashable {
    /// The statement's source text from its first token to its last: the terminating `;` and the
    /// comments before and after it are not part of it, comments inside it are. Send this to
    /// ClickHouse.
    public let text: String

    /// The 1-based line of the file the statement's first token is on.
    public let line: Int

    /// The `-- deployctl:` directives in the comments directly before the statement, in order.
    public let directives: [Directive]

    /// The lowercase hex SHA-256 of the statement's normalized form: comments removed and every run
    /// of whitespace outside literals and quoted names made one space. Editing a comment or the
    /// layout keeps the hash; changing anything ClickHouse reads changes it.
    public let hash: String

    /// What the statement does.
    public let kind: StatementKind

    /// The cluster named after `ON CLUSTER`, unquoted, such as `{cluster}` or `main`; `nil` when the
    /// statement has no `ON CLUSTER`.
    public let onCluster: String?

    /// Creates a statement; ``StatementSplitter`` is the usual source of statements.
    public init(text: String, line: Int, directives: [Directive], hash: String, kind: StatementKind, onCluster: String?)
    {
        self.text = text
        self.line = line
        self.directives = directives
        self.hash = hash
        self.kind = kind
        self.onCluster = onCluster
    }

    /// The first directive of `kind` before the statement, or `nil`.
    public func directive(_ kind: Directive.Kind) -> Directive? {
        directives.first { $0.kind == kind }
    }
}
