import Migrator
import Testing

@Suite("A statement's hash ignores comments and layout and changes with anything ClickHouse reads")
struct SplitterHashTests {
    static let base = "SELECT a, b FROM t WHERE x = 1"

    static func hash(_ sql: String) throws -> String {
        let statements = try StatementSplitter.split(sql)
        try #require(statements.count == 1)
        return statements[0].hash
    }

    @Test("is the SHA-256 of the normalized text")
    func isSHA256OfNormalizedText() throws {
        #expect(try Self.hash("SELECT 1") == "e004ebd5b5532a4b85984a62f8ad48a81aa3460c1ca07701f386135d72cdecf5")
        #expect(try Self.hash(Self.base) == "7f41d2ce48e87e5d01c17a0e509febc1481f458f0bf403128d3a43729541eee2")
    }

    @Test(
        "stays under comment and whitespace edits",
        arguments: [
            "SELECT  a,\n    b\nFROM t\nWHERE x = 1",
            "SELECT a, b FROM t WHERE x = 1;",
            "\t SELECT a, b FROM t WHERE x = 1 \n",
            "-- why this exists\nSELECT a, b FROM t WHERE x = 1 -- trailing",
            "SELECT a, /* the second column */ b FROM t # a MySQL-style comment\nWHERE x = 1",
            "-- deployctl:allow-destructive not even a directive changes it\nSELECT a, b FROM t WHERE x = 1",
            "SELECT a, b\r\nFROM t\r\nWHERE x = 1\r\n",
            "SELECT\u{A0}a, b FROM\u{2009}t WHERE x = 1",
        ]
    )
    func staysUnderLayoutEdits(_ sql: String) throws {
        #expect(try Self.hash(sql) == Self.hash(Self.base))
    }

    @Test(
        "changes under real edits",
        arguments: [
            "SELECT a, b FROM t WHERE x = 2",
            "SELECT a, c FROM t WHERE x = 1",
            "SELECT a, b FROM t2 WHERE x = 1",
            "SELECT b, a FROM t WHERE x = 1",
            "SELECT a, b FROM t WHERE x = '1'",
            "SELECT a, b FROM `t` WHERE x = 1",
        ]
    )
    func changesUnderRealEdits(_ sql: String) throws {
        #expect(try Self.hash(sql) != Self.hash(Self.base))
    }

    @Test("keeps whitespace inside literals and quoted names")
    func keepsWhitespaceInsideLiterals() throws {
        #expect(try Self.hash("SELECT 'a b'") != Self.hash("SELECT 'a  b'"))
        #expect(try Self.hash("SELECT \"a b\"") != Self.hash("SELECT \"a\tb\""))
        #expect(try Self.hash("SELECT $$a b$$") != Self.hash("SELECT $$a\nb$$"))
        #expect(try Self.hash("SELECT '-- not a comment'") != Self.hash("SELECT ''"))
    }

    @Test("a comment between two tokens separates them, as ClickHouse reads it")
    func commentSeparatesTokens() throws {
        #expect(try Self.hash("SELECT a/**/b") == Self.hash("SELECT a b"))
        #expect(try Self.hash("SELECT a/**/b") != Self.hash("SELECT ab"))
    }
}
