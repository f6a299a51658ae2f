import ClickHouse
import Testing

@Suite("reading ClickHouse's answers")
struct ErrorParsingTests {
    @Test("the modern exception format gives code, name and message")
    func modernFormat() {
        let error = ClickHouseError.parse(
            body:
                "Code: 62. DB::Exception: Syntax error: failed at position 1 ('SELEC'): SELEC 1. Expected one of: … (SYNTAX_ERROR) (version 24.8.14.39 (official build))\n",
            headerCode: "62", httpStatus: 400)
        #expect(error.code == 62)
        #expect(error.name == "SYNTAX_ERROR")
        #expect(error.message.hasPrefix("Syntax error: failed at position 1"))
        #expect(error.message.hasSuffix("Expected one of: …"))
        #expect(error.description.hasPrefix("Code 62 SYNTAX_ERROR: Syntax error"))
    }

    @Test("the old format (18.x–20.x) gives code and message, the name from the code")
    func oldFormat() {
        let error = ClickHouseError.parse(
            body:
                "Code: 60, e.displayText() = DB::Exception: Table default.missing doesn't exist., e.what() = DB::Exception\n",
            headerCode: nil, httpStatus: 404)
        #expect(error.code == 60)
        #expect(error.name == "UNKNOWN_TABLE")
        #expect(error.message == "Table default.missing doesn't exist")
    }

    @Test("the header wins over the body, and missing-column errors are 47, not 62")
    func headerWins() {
        let error = ClickHouseError.parse(
            body: "Code: 47. DB::Exception: Missing columns: 'start_date' while processing query (UNKNOWN_IDENTIFIER)",
            headerCode: "47",
            httpStatus: 404)
        #expect(error.code == 47 && error.name == "UNKNOWN_IDENTIFIER")
        #expect(ClickHouseError.parse(body: "garbage", headerCode: "159", httpStatus: 500).isDistributedDDLTimeout)
    }

    @Test("TabSeparated fields are unescaped and \\N is NULL")
    func tabSeparated() {
        let rows = TabSeparated.decode("a\\tb\t\\N\tline\\nbreak\tback\\\\slash\n2\t\t\tx\n")
        #expect(rows.count == 2)
        #expect(rows[0] == ["a\tb", nil, "line\nbreak", "back\\slash"])
        #expect(rows[1] == ["2", "", "", "x"])
    }
}
