import Foundation
import HostScripts
import SSH
import Testing

/// The scripts that write and read what outlives a release on a host: the hash-chained audit log,
/// the verification records, and what verify reads first, each run alone on a testbed host.
@Suite("host scripts: audit and verification records", .serialized)
struct AuditScriptTests {
    static let genesis = String(repeating: "0", count: 64)

    @Test("audit-append chains each line to the one before by sequence number and SHA-256")
    func auditAppend() throws {
        let host = try ScriptHost()
        defer { host.close() }
        let log = host.root + "/shared dir/audit.jsonl"
        let entry = #"{"actor":"it's $USER \"x\"","command":"setup"}"#
        let first = try host.run(.auditAppend, [log, Self.genesis, entry])
        #expect(first.status == 0, "\(first.stderr)")
        let line1 = #"{"seq":1,"prev":"\#(Self.genesis)","actor":"it's $USER \"x\"","command":"setup"}"#
        #expect(first.answer["line"] == line1, "\(first.stdout)")
        #expect(try host.shell("cat \(ShellQuote.quote(log))") == line1 + "\n")
        #expect(try host.shell("stat -c %a \(ShellQuote.quote(log))") == "640\n")

        let second = try host.run(.auditAppend, [log, Self.genesis, #"{"command":"deploy"}"#])
        let hash = try host.shell("head -n 1 \(ShellQuote.quote(log)) | sha256sum | cut -c1-64")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let line2 = #"{"seq":2,"prev":"\#(hash)","command":"deploy"}"#
        #expect(second.answer["line"] == line2)
        #expect(try host.shell("cat \(ShellQuote.quote(log))") == line1 + "\n" + line2 + "\n")
    }

    @Test("audit-append waits for the log's flock, and gives up (non-zero, nothing written) after 10 s")
    func auditAppendLock() throws {
        let host = try ScriptHost()
        defer { host.close() }
        let log = host.root + "/shared/audit.jsonl"
        func hold(seconds: Int) throws {
            try host.shell("flock \(log).flock sleep \(seconds) </dev/null >/dev/null 2>&1 & sleep 0.5")
        }
        try hold(seconds: 3)
        let started = ContinuousClock.now
        let waited = try host.run(.auditAppend, [log, Self.genesis, #"{"command":"a"}"#])
        #expect(waited.status == 0, "\(waited.stderr)")
        #expect(started.duration(to: .now) > .seconds(2), "the append waited for the holder")
        #expect(waited.answer["line"]?.hasPrefix(#"{"seq":1,"#) == true)

        try hold(seconds: 14)
        let refused = try host.run(.auditAppend, [log, Self.genesis, #"{"command":"b"}"#])
        #expect(refused.status != 0)
        #expect(try host.shell("wc -l < \(log)") == "1\n", "nothing was written without the lock")
    }

    @Test("audit-read prints the log as it is, and nothing when there is none")
    func auditRead() throws {
        let host = try ScriptHost()
        defer { host.close() }
        let log = host.root + "/shared/audit log.jsonl"
        let none = try host.run(.auditRead, [log])
        #expect(none.status == 0 && none.stdout.isEmpty)
        try host.shell("printf '{\"seq\":1}\\n{\"seq\":2}\\n' > '\(log)'")
        let run = try host.run(.auditRead, [log])
        #expect(run.status == 0)
        #expect(run.stdout == "{\"seq\":1}\n{\"seq\":2}\n")
    }

    @Test("verification-append adds the record as one line of shared/verifications.jsonl")
    func verificationAppend() throws {
        let host = try ScriptHost()
        defer { host.close() }
        let shared = host.root + "/new shared"
        let record = #"{"release":"a b","note":"$x 'q' \"w\""}"#
        #expect(try host.run(.verificationAppend, [shared, record]).status == 0)
        #expect(try host.run(.verificationAppend, [shared, record]).status == 0)
        #expect(try host.shell("cat '\(shared)/verifications.jsonl'") == record + "\n" + record + "\n")
    }

    @Test("verify-context prints the current release when there is one, and the env file whole, in base64")
    func verifyContext() throws {
        let host = try ScriptHost()
        defer { host.close() }
        let env = host.root + "/shared/app env"
        let text = "export API_TOKEN=t0k$n\n  CLICKHOUSE_PASSWORD = \"p w\"\nrelease=x\n"
        try host.shell("printf '\(text.replacingOccurrences(of: "\n", with: "\\n"))' > '\(env)'")
        let none = try host.run(.verifyContext, [host.root + "/current", env])
        #expect(none.status == 0, "\(none.stderr)")
        #expect(none.answer["release"] == nil, "no current link: no release, whatever the env file says")
        #expect(none.answer["env"].flatMap { Data(base64Encoded: $0) } == Data(text.utf8))

        try host.shell("mkdir \(host.root)/releases/abc && ln -s releases/abc \(host.root)/current")
        let run = try host.run(.verifyContext, [host.root + "/current", env])
        #expect(run.answer["release"] == "abc")
        #expect(run.stdout.split(separator: "\n").count == 2, "one line each: \(run.stdout)")

        let missing = try host.run(.verifyContext, [host.root + "/current", host.root + "/absent"])
        #expect(missing.status != 0, "an env file that cannot be read fails the step")
    }
}
