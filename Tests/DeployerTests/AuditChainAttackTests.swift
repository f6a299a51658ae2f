import Console
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

    @Test(
        "both copies cut short or rewritten consistently: the chain itself is intact, the anchor a workstation kept is not"
    )
    func anchorsCatchAConsistentRewrite() throws {
        let chain = Self.chain()
        let anchor = try #require(AuditAnchor.head(of: chain))
        #expect(anchor.seq == 3 && anchor.problem(in: chain, source: "this workstation") == nil)
        let cut = Array(chain.prefix(2))
        #expect(
            AuditLog.problems(hostLines: cut, clickhouseLines: Self.copy(of: cut)).isEmpty, "the cut chain verifies")
        #expect(
            anchor.problem(in: cut, source: "this workstation")
                == "the chain ends at entry 2, but this workstation saw entry 3 (\(anchor.sha256.prefix(12))…): entries were removed from both copies"
        )
        var rewritten = cut
        rewritten.append(#"{"seq":3,"prev":"\#(AuditLog.sha256(cut[1]))","command":"deploy","result":"failed"}"#)
        #expect(AuditLog.problems(hostLines: rewritten, clickhouseLines: Self.copy(of: rewritten)).isEmpty)
        #expect(
            anchor.problem(in: rewritten, source: "the signed verification of t by anna")?.contains(
                "entry 3 hashes to") == true)
    }

    @Test("a workstation's anchors only move forward, per environment and host")
    func anchorStoreMovesForward() throws {
        let directory = FileManager.default.temporaryDirectory.path + "/anchors-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = AuditAnchorStore(stateDirectory: directory)
        try store.record(["museshow": AuditAnchor(seq: 5, sha256: "a")], of: "museshow")
        try store.record(
            ["museshow": AuditAnchor(seq: 3, sha256: "b"), "other": AuditAnchor(seq: 1, sha256: "c")], of: "museshow")
        #expect(
            store.anchors(of: "museshow")
                == ["museshow": AuditAnchor(seq: 5, sha256: "a"), "other": AuditAnchor(seq: 1, sha256: "c")])
        #expect(store.anchors(of: "client-prod").isEmpty)
        let blocked = FileManager.default.temporaryDirectory.path + "/anchors-file-\(UUID().uuidString)"
        #expect(FileManager.default.createFile(atPath: blocked, contents: Data()))
        defer { try? FileManager.default.removeItem(atPath: blocked) }
        #expect(throws: CommandFailure.self, "a state folder that cannot be made says so") {
            try AuditAnchorStore(stateDirectory: blocked).record(
                ["museshow": AuditAnchor(seq: 1, sha256: "a")], of: "museshow")
        }
    }
}
