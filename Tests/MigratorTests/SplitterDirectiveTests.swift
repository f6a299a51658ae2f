import Migrator
import Testing

@Suite("Directives are read from the -- comments directly before a statement")
struct SplitterDirectiveTests {
    @Test("a directive before a statement belongs to it, with its reason")
    func attachesDirective() throws {
        let sql = """
            -- deployctl:irreversible the old rows were exported to S3
            CREATE TABLE a (x UInt8) ENGINE = Memory;

            -- deployctl:allow-destructive   replaced by fact_sales since 0004\r
            -- a plain comment between is fine

            DROP TABLE stg_sales;
            SELECT 1
            """
        let statements = try StatementSplitter.split(sql)
        #expect(
            statements.map(\.directives) == [
                [Directive(name: "irreversible", reason: "the old rows were exported to S3", line: 1)],
                [Directive(name: "allow-destructive", reason: "replaced by fact_sales since 0004", line: 4)],
                [],
            ])
        #expect(statements[1].directive(.allowDestructive)?.line == 4)
        #expect(statements[1].directive(.irreversible) == nil)
    }

    @Test("names are kept as written, known or not, and deployctl: is matched in any case")
    func keepsUnknownNames() throws {
        let statements = try StatementSplitter.split("--DeployCtl:alow-destructive\nDROP TABLE t")
        #expect(statements[0].directives == [Directive(name: "alow-destructive", reason: "", line: 1)])
        #expect(statements[0].directives[0].kind == nil)
    }

    @Test("a directive inside a statement is refused")
    func refusesDirectiveInsideStatement() {
        #expect(
            throws: SQLSyntaxError(
                code: .misplacedDirective,
                line: 3,
                message:
                    "the directive '-- deployctl:allow-destructive old' stands inside or after the statement that starts on line 2, where it applies to nothing; move it to its own line directly before that statement"
            )
        ) {
            try StatementSplitter.split("SELECT 1;\nDROP TABLE t\n-- deployctl:allow-destructive old\n;")
        }
    }

    @Test("a directive after the last statement is refused")
    func refusesTrailingDirective() {
        #expect(
            throws: SQLSyntaxError(
                code: .misplacedDirective,
                line: 2,
                message:
                    "the directive '-- deployctl:allow-destructive old' is followed by no statement, so it applies to nothing; move it to the comments directly before the statement it is about"
            )
        ) {
            try StatementSplitter.split("DROP TABLE t;\n-- deployctl:allow-destructive old\n")
        }
    }

    @Test("a directive on the line of the previous statement's semicolon is refused")
    func refusesSameLineDirective() {
        #expect(
            throws: SQLSyntaxError(
                code: .misplacedDirective,
                line: 1,
                message:
                    "the directive '-- deployctl:allow-destructive old' shares its line with the end of the statement before it, yet it would apply to the statement on line 2; put it on its own line directly before the statement it is about"
            )
        ) {
            try StatementSplitter.split("DROP TABLE t; -- deployctl:allow-destructive old\nDROP TABLE u;")
        }
    }

    @Test(
        "a directive in another comment style is refused rather than ignored",
        arguments: [
            "/* deployctl:allow-destructive old */\nDROP TABLE t", "# deployctl:allow-destructive old\nDROP TABLE t",
            "// deployctl:allow-destructive old\nDROP TABLE t",
        ]
    )
    func refusesOtherCommentStyles(_ sql: String) {
        #expect {
            try StatementSplitter.split(sql)
        } throws: { error in
            (error as? SQLSyntaxError)?.code == .directiveStyle && (error as? SQLSyntaxError)?.line == 1
        }
    }
}
