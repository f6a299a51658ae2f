import ClickHouse
import Foundation
import SSH
import Testbed
import Testing

/// Progress on a terminal: `deployctl deploy` under a pseudo-terminal (util-linux `script`) shows
/// the step each host is on, the bundle's bytes, rate and time left and the migration statement,
/// then erases them, leaving exactly the lines a run without a terminal prints; verify shows its
/// areas; `--json` shows nothing but its document.
@Suite("deploy shows its progress on a terminal, and its final lines are those of a run without one", .serialized)
struct ProgressTests {
    /// `deployctl arguments…` on a pseudo-terminal of its own; standard output and error both arrive on it.
    private func onTerminal(_ fixture: DeployFixture, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let command = ([DeployctlRun.binary, "--env-dir", fixture.environments] + arguments)
            .map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qfec", command, "/dev/null"]
        process.environment = ProcessInfo.processInfo.environment.merging(fixture.environment) { $1 }.merging([
            "TERM": "xterm", "NO_COLOR": "1",
        ]) { $1 }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// The deploy's summary with its duration left out (`in 2.3 s` → `in N s`).
    private func withoutDuration(_ text: String) -> String {
        text.replacingOccurrences(of: #" in [0-9]+\.[0-9] s:"#, with: " in N s:", options: .regularExpression)
    }

    @Test(
        "a deploy on a terminal shows steps, upload bytes, migration statements, then the lines of a run without one; verify its areas; --json none"
    )
    func deployOnATerminal() async throws {
        let fixture = try await DeployFixture()
        do {
            let host = DeployFixture.host
            let release = try DeployTests.buildID(fixture, ["--checkout", Testbed.repository.path, "--allow-dirty"])
            #expect(try fixture.deployctl(["setup", host]).status == 0)
            #expect(try fixture.deployctl(["secrets", "push", host, "--from", fixture.envFile()]).status == 0)
            let terminal = try onTerminal(fixture, ["deploy", host, "--release", release])
            #expect(terminal.status == 0, "\(terminal.output)")
            let output = terminal.output.replacingOccurrences(of: "\r\n", with: "\n")
            let erased = try #require(output.range(of: "\u{1B}[J", options: .backwards), "the progress is erased")
            let shown = String(output[..<erased.lowerBound])
            #expect(shown.contains("\u{1B}[2K\(host)  upload "), "the upload step: \(shown.debugDescription)")
            #expect(
                shown.range(of: #"upload [0-9.]+/[0-9.]+ MiB  [0-9.]+ MiB/s"#, options: .regularExpression) != nil,
                "bytes and rate: \(shown.debugDescription)")
            #expect(shown.contains("verify-release \(release)"))
            #expect(
                shown.range(of: #"migrations  [0-9]{4}_[a-z_]+: statement [0-9]+/[0-9]+"#, options: .regularExpression)
                    != nil, "the migration statement: \(shown.debugDescription)")
            #expect(shown.contains("post-check"))
            #expect(!output.contains("\u{1B}[1m") && !output.contains("\u{1B}[0m"), "NO_COLOR: no colour at all")
            let final = String(output[erased.upperBound...])

            // The same deploy again on a host as it was before, without a terminal.
            _ = try await fixture.connection.run(DeployTarget.removal)
            let clickhouse = try ClickHouseServer.modern(on: host)
            for database in ["zakaz", "deployctl"] {
                try await ClickHouseClient(endpoint: clickhouse.admin).execute("DROP DATABASE IF EXISTS \(database)")
            }
            #expect(try fixture.deployctl(["setup", host]).status == 0)
            #expect(try fixture.deployctl(["secrets", "push", host, "--from", fixture.envFile()]).status == 0)
            let plain = try fixture.deployctl(["deploy", host, "--release", release])
            #expect(plain.status == 0 && plain.stderr.isEmpty, "\(plain.stdout)\(plain.stderr)")
            #expect(!plain.stdout.contains("\u{1B}"), "no progress and no escapes without a terminal")
            #expect(withoutDuration(final) == withoutDuration(plain.stdout))

            let reports = try TemporaryDirectory("progress-reports")
            let verified = try onTerminal(fixture, ["verify", host, "--output-dir", reports.path])
            #expect(verified.status == 0, "\(verified.output)")
            for area in ["environment", "database", "load", "smoke"] {
                #expect(
                    verified.output.contains("\u{1B}[2K\(host)  verify: \(area)"), "\(verified.output.debugDescription)"
                )
            }
            let json = try onTerminal(fixture, ["--json", "deploy", host, "--release", release])
            #expect(json.status == 0, "\(json.output)")
            #expect(!json.output.contains("\u{1B}"), "no progress with --json: \(json.output.debugDescription)")
        } catch {
            Issue.record(error)
        }
        await fixture.cleanup()
    }
}
