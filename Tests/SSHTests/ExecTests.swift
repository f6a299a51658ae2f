import Foundation
import SSH
import Testbed
import Testing

@Suite("running remote commands")
struct ExecTests {
    let testbed: Testbed
    let connection: SSHConnection

    init() throws {
        testbed = try Testbed.current()
        connection = try testbed.connect(testbed.routineHost)
    }

    @Test("stdout, stderr and the exit status come back separately", arguments: [0, 1, 3, 255])
    func exitStatus(code: Int32) throws {
        let result = try connection.execute("printf out; printf err >&2; exit \(code)")
        #expect(result.stdoutText == "out")
        #expect(result.stderrText == "err")
        #expect(result.exitStatus == code)
        #expect(result.exitSignal == nil)
        #expect(result.succeeded == (code == 0))
    }

    @Test("a command killed by a signal reports the signal, not a clean exit")
    func exitSignal() throws {
        let result = try connection.execute("kill -TERM $$")
        #expect(result.exitSignal == "TERM")
        #expect(!result.succeeded)
        #expect(result.outcome == "signal TERM")
    }

    @Test("10 MB on stdout and 10 MB on stderr at once are both drained")
    func largeOutputOnBothStreams() throws {
        let size = 10 * 1024 * 1024
        let result = try connection.execute(
            "head -c \(size) /dev/zero | tr '\\0' e >&2 & head -c \(size) /dev/zero | tr '\\0' o; wait",
            options: .init(timeout: .seconds(60)))
        #expect(result.stdout.count == size)
        #expect(result.stderr.count == size)
        #expect(result.stdout.allSatisfy { $0 == UInt8(ascii: "o") })
        #expect(result.stderr.allSatisfy { $0 == UInt8(ascii: "e") })
    }

    @Test("a command past its timeout is abandoned with a clear error")
    func commandTimeout() throws {
        let started = ContinuousClock.now
        let error = #expect(throws: SSHError.self) {
            try connection.execute("sleep 30", options: .init(timeout: .milliseconds(500)))
        }
        #expect(error?.code == .commandTimeout)
        #expect(started.duration(to: .now) < .seconds(5))
        #expect(try connection.execute("echo still usable").stdoutText == "still usable\n")
    }

    @Test("output lines are streamed as they arrive, UTF-8 intact")
    func streamingLines() throws {
        let lines = LineLog()
        _ = try connection.execute(
            "echo первая; echo second >&2; printf 'без перевода'",
            options: .init(onLine: { stream, line in lines.add("\(stream.rawValue): \(line)") }))
        #expect(lines.all.sorted() == ["stderr: second", "stdout: без перевода", "stdout: первая"])
    }

    @Test("standard input is delivered and closed")
    func standardInput() throws {
        let input = Data((0..<300_000).map { UInt8($0 % 251) })
        let result = try connection.execute("cat", options: .init(stdin: input))
        #expect(result.stdout == input)
    }

    @Test("many commands multiplexed on one connection at once")
    func concurrentCommands() async throws {
        let connection = self.connection
        try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<16 {
                group.addTask { try await connection.run("sleep 0.$((\(index) % 3)); echo \(index)").stdoutText }
            }
            var seen = Set<String>()
            for try await output in group { seen.insert(output) }
            #expect(seen == Set((0..<16).map { "\($0)\n" }))
        }
    }
}
