import AuditTrail
import Foundation
import Testing

@Suite("AuditLine: one reading of an audit.jsonl line for the audit check, status and verify")
struct AuditLineTests {
    static let override =
        #"{"seq":7,"prev":"ab12","command":"gate override","environment":"prod","host":"p1","actor":"anna","at":"2026-12-06T10:00:00Z","release":"0123456789abcdef","result":"ok","seconds":0,"changes":["deployed past a closed gate: no passing verification"],"detail":"the client asked \"now\""}"#

    @Test("reads the chain fields and the record, and says an override the same way everywhere")
    func readsOverride() throws {
        let line = try #require(AuditLine(Self.override))
        #expect(line.seq == 7 && line.prev == "ab12")
        let record = try #require(line.record)
        #expect(record.command == "gate override" && record.release == "0123456789abcdef")
        #expect(
            record.gateOverrideSummary
                == #"deployed past a closed gate by anna at 2026-12-06T10:00:00Z: the client asked "now" (the gate said: no passing verification)"#
        )
    }

    @Test("a line without its chain fields is no audit line; one without a whole record has none")
    func refusesBrokenLines() {
        #expect(AuditLine(#"{"command":"deploy"}"#) == nil)
        #expect(AuditLine("not json") == nil)
        #expect(AuditLine(#"{"seq":1,"prev":"00"}"#)?.record == nil)
    }
}
