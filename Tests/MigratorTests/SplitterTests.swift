import Migrator
import Testing

/// SQL text and the statements ClickHouse would see in it.
struct SplitterCase: Sendable, CustomTestStringConvertible {
    var name: String
    var sql: String
    var texts: [String]
    var lines: [Int]

    var testDescription: String { name }
}

/// SQL text that must be refused, and the line and code of the refusal.
struct SplitterErrorCase: Sendable, CustomTestStringConvertible {
    var name: String
    var sql: String
    var code: SQLSyntaxError.Code
    var line: Int

    var testDescription: String { name }
}

@Suite("The splitter cuts statements where ClickHouse's lexer sees a semicolon")
struct SplitterTests {
    static let cases: [SplitterCase] = [
        SplitterCase(
            name: "semicolon in a string",
            sql: "SELECT ';' AS s; SELECT 2",
            texts: ["SELECT ';' AS s", "SELECT 2"],
            lines: [1, 1]
        ),
        SplitterCase(
            name: "backslash-escaped quote in a string",
            sql: #"INSERT INTO t VALUES ('it\'s; ok'); SELECT 2;"#,
            texts: [#"INSERT INTO t VALUES ('it\'s; ok')"#, "SELECT 2"],
            lines: [1, 1]
        ),
        SplitterCase(
            name: "doubled quote in a string",
            sql: "SELECT 'it''s; ok';\nSELECT 2;",
            texts: ["SELECT 'it''s; ok'", "SELECT 2"],
            lines: [1, 2]
        ),
        SplitterCase(
            name: "escaped backslash before the closing quote",
            sql: #"SELECT 'C:\\'; SELECT 2"#,
            texts: [#"SELECT 'C:\\'"#, "SELECT 2"],
            lines: [1, 1]
        ),
        SplitterCase(
            name: "semicolon in a double-quoted identifier",
            sql: #"SELECT "a;b", "say ""hi;""" FROM t; SELECT 2"#,
            texts: [#"SELECT "a;b", "say ""hi;""" FROM t"#, "SELECT 2"],
            lines: [1, 1]
        ),
        SplitterCase(
            name: "semicolon in a backquoted identifier",
            sql: "SELECT `a;b`, `x\\`;y` FROM t; SELECT 2",
            texts: ["SELECT `a;b`, `x\\`;y` FROM t", "SELECT 2"],
            lines: [1, 1]
        ),
        SplitterCase(
            name: "-- comment holding a semicolon and a quote",
            sql: "SELECT 1 -- it's; not the end\n, 2;\nSELECT 3",
            texts: ["SELECT 1 -- it's; not the end\n, 2", "SELECT 3"],
            lines: [1, 3]
        ),
        SplitterCase(
            name: "# comment followed by a space, and a #! shebang",
            sql: "#!/usr/bin/clickhouse-local --queries-file; x\n# note; it's here\nSELECT 1;",
            texts: ["SELECT 1"],
            lines: [3]
        ),
        SplitterCase(
            name: "// comment",
            sql: "SELECT 1 // it's; a comment\n;SELECT 2",
            texts: ["SELECT 1", "SELECT 2"],
            lines: [1, 2]
        ),
        SplitterCase(
            name: "nested block comment with a semicolon after the inner close",
            sql: "SELECT /* outer /* inner */ ; still a comment */ 1; SELECT 2",
            texts: ["SELECT /* outer /* inner */ ; still a comment */ 1", "SELECT 2"],
            lines: [1, 1]
        ),
        SplitterCase(
            name: "heredoc with a semicolon and quotes inside",
            sql: "SELECT $body$it's; \"here\"$body$; SELECT $$a;b$$;",
            texts: ["SELECT $body$it's; \"here\"$body$", "SELECT $$a;b$$"],
            lines: [1, 1]
        ),
        SplitterCase(
            name: "dollar signs inside a word start no heredoc",
            sql: "SELECT a$b$ FROM t; SELECT 2",
            texts: ["SELECT a$b$ FROM t", "SELECT 2"],
            lines: [1, 1]
        ),
        SplitterCase(
            name: "a number swallows the minus of its exponent, so 1e--5 holds no comment",
            sql: "SELECT 1e--5; SELECT 2",
            texts: ["SELECT 1e--5", "SELECT 2"],
            lines: [1, 1]
        ),
        SplitterCase(
            name: "hex and binary strings",
            sql: "SELECT x'3B', b'00111011'; SELECT 2",
            texts: ["SELECT x'3B', b'00111011'", "SELECT 2"],
            lines: [1, 1]
        ),
        SplitterCase(
            name: "CRLF line endings",
            sql: "SELECT 1;\r\n\r\nSELECT\r\n  2;\r\n",
            texts: ["SELECT 1", "SELECT\r\n  2"],
            lines: [1, 3]
        ),
        SplitterCase(
            name: "final statement without a semicolon",
            sql: "CREATE TABLE t (a UInt8) ENGINE = Memory;\nSELECT 2\n",
            texts: ["CREATE TABLE t (a UInt8) ENGINE = Memory", "SELECT 2"],
            lines: [1, 2]
        ),
        SplitterCase(
            name: "empty statements are dropped",
            sql: ";;SELECT 1;;\n ; ;SELECT 2;;",
            texts: ["SELECT 1", "SELECT 2"],
            lines: [1, 2]
        ),
        SplitterCase(
            name: "a statement of comments only is dropped",
            sql: "-- header\n/* nothing; here */;\n# still nothing\n;",
            texts: [],
            lines: []
        ),
        SplitterCase(
            name: "lines count the newlines inside strings and comments",
            sql: "SELECT 'a\nb';\n/* x\ny */\nSELECT 2",
            texts: ["SELECT 'a\nb'", "SELECT 2"],
            lines: [1, 5]
        ),
        SplitterCase(
            name: "Unicode spaces pasted from a word processor are whitespace to ClickHouse",
            sql: "\u{A0}SELECT\u{2003}1;\u{A0}\u{3000} ;SELECT 2",
            texts: ["SELECT\u{2003}1", "SELECT 2"],
            lines: [1, 1]
        ),
        SplitterCase(
            name: "non-ASCII text in strings and comments",
            sql: "-- заказы; комментарий\nSELECT 'Заказ; №1' AS «x»; SELECT 2",
            texts: ["SELECT 'Заказ; №1' AS «x»", "SELECT 2"],
            lines: [2, 2]
        ),
    ]

    @Test("splits", arguments: cases)
    func splits(_ example: SplitterCase) throws {
        let statements = try StatementSplitter.split(example.sql)
        #expect(statements.map(\.text) == example.texts)
        #expect(statements.map(\.line) == example.lines)
    }

    static let errorCases: [SplitterErrorCase] = [
        SplitterErrorCase(
            name: "unterminated string names the line it opens on",
            sql: "SELECT 1;\nSELECT 'abc;\nSELECT 3;",
            code: .unterminatedString,
            line: 2
        ),
        SplitterErrorCase(
            name: "a backslash before the last quote leaves the string open",
            sql: "SELECT 1;\n\nSELECT 'C:\\';",
            code: .unterminatedString,
            line: 3
        ),
        SplitterErrorCase(
            name: "unterminated double-quoted identifier",
            sql: "SELECT \"a;\nSELECT 2",
            code: .unterminatedQuotedIdentifier,
            line: 1
        ),
        SplitterErrorCase(
            name: "unterminated backquoted identifier",
            sql: "SELECT 1;\nSELECT `a",
            code: .unterminatedQuotedIdentifier,
            line: 2
        ),
        SplitterErrorCase(
            name: "a nested comment needs every close",
            sql: "SELECT 1;\n/* a /* b */\nSELECT 2;",
            code: .unterminatedComment,
            line: 2
        ),
        SplitterErrorCase(
            name: "unterminated heredoc",
            sql: "SELECT 1;\nSELECT $body$ a; b;",
            code: .unterminatedHeredoc,
            line: 2
        ),
        SplitterErrorCase(
            name: "hex string with a non-hex digit",
            sql: "SELECT x'3G';",
            code: .unterminatedString,
            line: 1
        ),
        SplitterErrorCase(
            name: "# without a space is not a comment to ClickHouse",
            sql: "SELECT 1;\n#note; here\nSELECT 2;",
            code: .unrecognizedHash,
            line: 2
        ),
        SplitterErrorCase(
            name: "# followed by a tab is not a comment to ClickHouse either",
            sql: "#\tnote\nSELECT 2;",
            code: .unrecognizedHash,
            line: 1
        ),
    ]

    @Test("refuses", arguments: errorCases)
    func refuses(_ example: SplitterErrorCase) {
        #expect {
            try StatementSplitter.split(example.sql)
        } throws: { error in
            guard let error = error as? SQLSyntaxError else { return false }
            return error.code == example.code && error.line == example.line
        }
    }

    @Test("an unterminated string's message says how to fix it")
    func unterminatedStringMessage() {
        #expect(
            throws: SQLSyntaxError(
                code: .unterminatedString,
                line: 2,
                message:
                    #"the string opened with ' here is never closed, so everything after it would be part of it; add the closing ', and check for a backslash just before it (\' is an escaped quote, not the end)"#
            )
        ) {
            try StatementSplitter.split("SELECT 1;\nSELECT 'abc;")
        }
    }

    @Test("UTF-8 bytes split like the same text")
    func splitsBytes() throws {
        let sql = "SELECT 'é;'; SELECT 2"
        #expect(try StatementSplitter.split(utf8: Array(sql.utf8)) == StatementSplitter.split(sql))
    }
}
