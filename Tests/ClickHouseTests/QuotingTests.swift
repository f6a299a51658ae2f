import ClickHouse
import Testing

@Suite("quoting values into ClickHouse SQL")
struct QuotingTests {
    @Test("backslashes and quotes are escaped, everything else kept")
    func literalAndIdentifier() {
        #expect(ClickHouseSQL.literal(#"it's a\b"#) == #"'it\'s a\\b'"#)
        #expect(ClickHouseSQL.identifier("odd`name") == #"`odd\`name`"#)
        #expect(ClickHouseSQL.literal("Музей, 2026") == "'Музей, 2026'")
    }

    @Test("a quote that a combining accent joins into one character is escaped all the same")
    func combiningMarkAfterQuote() {
        let hostile = "x'\u{301}) OR 1=1 --"
        #expect(hostile.count == "x´) OR 1=1 --".count, "the quote and the accent are one Character")
        #expect(ClickHouseSQL.literal(hostile) == "'x\\'\u{301}) OR 1=1 --'")
        #expect(ClickHouseSQL.identifier("t`\u{301}") == "`t\\`\u{301}`")
    }
}
