import Foundation
import Testing

@testable import Deployer

/// `audit verify` against a host that hides what it did: the ClickHouse copy deleted or cut short
/// no longer switches the cross-check off.
@Suite("Attacks on the audit chain: a missing or shorter ClickHouse copy fails")
struct AuditChainAttackTests {
    /// Three chained lines, as audit-append writes them.
    static func chain() -> [String] {
        var lines: [String] = []
        for seq in 1...3 {
            let prev = lines.last.map(AuditLog.sha256) ?? AuditLog.genesis
            lines.append(#"{"seq":\#(seq),"prev":"\#(prev)","command":"deploy","result":"ok"}"#)
        }
        return lines
    }

    static func copy(of lines: [String]) -> [UInt64: String] {
        Dictionary(uniqueKeysWithValues: lines.enumerated().map { (UInt64($0.offset + 1), $0.element) })
    }

    @Test("a chain and its full copy agree")
    func fullCopyAgrees() {
        #expect(AuditLog.problems(hostLines: Self.chain(), clickhouseLines: Self.copy(of: Self.chain())).isEmpty)
    }

    @Test("the ClickHouse copy deleted: every host entry is reported as missing there")
    func deletedClickHouseCopyFails() {
        let problems = AuditLog.problems(hostLines: Self.chain(), clickhouseLines: [:])
        #expect(problems.count == 3 && problems.allSatisfy { $0.contains("not in ClickHouse") }, "\(problems)")
    }

    @Test("the ClickHouse copy cut short: the entries past its end are reported")
    func shorterClickHouseCopyFails() {
        let problems = AuditLog.problems(
            hostLines: Self.chain(), clickhouseLines: Self.copy(of: Array(Self.chain().prefix(2))))
        #expect(
            problems == [
                "entry 3 is on the host but not in ClickHouse: added on the host, or ClickHouse missed it when it was written"
            ])
    }
}
