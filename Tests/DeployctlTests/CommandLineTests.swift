import Foundation
import Testbed
import Testing

/// Runs the built `deployctl` binary the way a user does and checks what they would see.
struct DeployctlRun {
    let status: Int32
    let stdout: String
    let stderr: String

    static let binary = Testbed.repository.appendingPathComponent(".build/debug/deployctl").path

    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        let stderrData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        status = process.terminationStatus
        stdout = String(decoding: stdoutData, as: UTF8.self)
        stderr = String(decoding: stderrData, as: UTF8.self)
    }
}

@Suite("deployctl on the command line, against the testbed's hosts")
struct CommandLineTests {
    let testbed: Testbed
    let environments: String

    init() throws {
        testbed = try Testbed.current()
        environments = try #require(testbed.environments, "the testbed writes environment files; a real server needs its own --env-dir")
    }

    @Test("env list shows every environment with its role and hosts")
    func envList() throws {
        let run = try DeployctlRun(["--env-dir", environments, "env", "list", "--json"])
        #expect(run.status == 0)
        let rows = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]]
        #expect(rows?.compactMap { $0["name"] as? String }.sorted() == ["client-prod", "fleet", "museshow"])
    }

    @Test("env check connects and reports OS, systemd, disk and units for each host")
    func envCheck() throws {
        let run = try DeployctlRun(["--env-dir", environments, "env", "check", "museshow", "--json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let host = try #require((report["hosts"] as? [[String: Any]])?.first)
        let checks = try #require(host["checks"] as? [[String: Any]])
        let byName = Dictionary(uniqueKeysWithValues: checks.map { ($0["name"] as! String, $0) })
        #expect(byName["ssh"]?["status"] as? String == "ok")
        #expect((byName["os"]?["detail"] as? String)?.contains("Debian") == true)
        #expect((byName["systemd"]?["detail"] as? String)?.hasPrefix("systemd 252") == true)
        #expect(byName["disk"]?["status"] as? String != nil)
        #expect(byName["unit qtickets_api.timer"] != nil)
        #expect(byName["clickhouse-http"] != nil)
        #expect([0, 1].contains(run.status))
    }

    @Test("exec runs on every host, prefixes lines by host and exits with the worst status")
    func execFleet() throws {
        let run = try DeployctlRun(["--env-dir", environments, "exec", "fleet", "--", "hostname; [ $(hostname) = prod2 ] && exit 7; exit 0"])
        #expect(run.status == 7)
        for name in ["museshow", "client-prod", "prod2"] {
            #expect(run.stdout.contains("| \(name)"))
        }
        #expect(run.stderr.contains("prod2: exit 7"))
        let single = try DeployctlRun(["--env-dir", environments, "exec", "fleet", "--host", "museshow", "--", "echo", "a b"])
        #expect(single.status == 0 && single.stdout == "a b\n")
    }

    @Test("trust records an unknown host key after showing its fingerprint; a second run finds it trusted")
    func trust() throws {
        let directory = NSTemporaryDirectory() + "deployctl-trust-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory + "/environments", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let original = try String(contentsOfFile: environments + "/museshow.toml", encoding: .utf8)
        let knownHosts = directory + "/known_hosts"
        let rewritten = original.split(separator: "\n").map { line in
            line.hasPrefix("known_hosts") ? "known_hosts = \"\(knownHosts)\"" : String(line)
        }.joined(separator: "\n")
        try rewritten.write(toFile: directory + "/environments/museshow.toml", atomically: true, encoding: .utf8)

        let refused = try DeployctlRun(["--env-dir", directory + "/environments", "exec", "museshow", "--", "true"])
        #expect(refused.status == 255)
        #expect(refused.stderr.contains("host key is not known"))
        #expect(refused.stderr.contains("SHA256:"))

        let declined = try DeployctlRun(["--env-dir", directory + "/environments", "trust", "museshow"])
        #expect(declined.status == 1)
        #expect(declined.stdout.contains("--yes"))

        let recorded = try DeployctlRun(["--env-dir", directory + "/environments", "trust", "museshow", "--yes", "--json"])
        #expect(recorded.status == 0)
        #expect(recorded.stdout.contains("\"recorded\""))
        let fingerprints = try String(contentsOfFile: knownHosts, encoding: .utf8)
        #expect(fingerprints.contains("deployctl:museshow"))

        let again = try DeployctlRun(["--env-dir", directory + "/environments", "trust", "museshow", "--json"])
        #expect(again.status == 0 && again.stdout.contains("\"trusted\""))
        #expect(try DeployctlRun(["--env-dir", directory + "/environments", "exec", "museshow", "--", "true"]).status == 0)

        let fingerprint = try #require(recorded.stdout.split(separator: "\"").first { $0.hasPrefix("SHA256:") })
        try FileManager.default.removeItem(atPath: knownHosts)
        let pinnedFile = rewritten.replacingOccurrences(of: "port = 22", with: "port = 22\nhost_key = \"\(fingerprint)\"")
        try pinnedFile.write(toFile: directory + "/environments/museshow.toml", atomically: true, encoding: .utf8)
        let pinned = try DeployctlRun(["--env-dir", directory + "/environments", "trust", "museshow", "--json"])
        #expect(pinned.status == 0 && pinned.stdout.contains("\"recorded\""), "a pinned key is recorded without asking")
    }

    @Test("a malformed environment file is named with its line and key, exit status 2")
    func malformedEnvironment() throws {
        let directory = NSTemporaryDirectory() + "deployctl-bad-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let original = try String(contentsOfFile: environments + "/museshow.toml", encoding: .utf8)
        try original.replacingOccurrences(of: "http_port = 8123", with: "http_prot = 8123")
            .write(toFile: directory + "/museshow.toml", atomically: true, encoding: .utf8)
        let run = try DeployctlRun(["--env-dir", directory, "env", "check", "museshow"])
        #expect(run.status == 2)
        let line = original.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.hasPrefix("http_port") }.map { $0 + 1 }
        #expect(run.stderr.contains("museshow.toml:\(line ?? 0)"))
        #expect(run.stderr.contains("clickhouse.http_prot"))
        #expect(run.stderr.contains("http_port"))
    }
}

@Suite("deployctl migrate with the shipped schema, against the testbed's ClickHouse")
struct MigrateCommandTests {
    let environments: String
    let migrations: String

    init() throws {
        let testbed = try Testbed.current()
        environments = try #require(testbed.environments, "the testbed writes environment files")
        migrations = PipelineDatabase.migrationsDirectory
    }

    func deployctl(_ arguments: String...) throws -> DeployctlRun {
        try DeployctlRun(["--env-dir", environments] + arguments + ["--migrations", migrations])
    }

    @Test("the shipped schema lints clean, applies, verifies, rolls back completely and applies again; replay agrees")
    func shippedSchemaRoundTrip() throws {
        let lint = try deployctl("migrate", "lint")
        #expect(lint.status == 0, "\(lint.stdout)\(lint.stderr)")
        let shippedCount = try FileManager.default.contentsOfDirectory(atPath: migrations).filter { $0.hasSuffix(".up.sql") }.count
        #expect(lint.stdout.contains("\(shippedCount) migration(s)") && lint.stdout.hasSuffix("linted; findings: none\n"),
                "a clean lint says what it checked: \(lint.stdout)")
        let plan = try deployctl("migrate", "up", "client-prod", "--dry-run")
        #expect(plan.status == 0 && plan.stdout.contains("-- 0001_staging_orders (up)"), "\(plan.stdout.suffix(2000))\(plan.stderr)")

        let up = try deployctl("migrate", "up", "client-prod")
        #expect(up.status == 0, "\(up.stdout)\(up.stderr)")
        let status = try deployctl("migrate", "status", "client-prod", "--json")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [[String: Any]])
        let shipped = try FileManager.default.contentsOfDirectory(atPath: migrations).filter { $0.hasSuffix(".up.sql") }.count
        #expect(rows.count == shipped && rows.allSatisfy { $0["condition"] as? String == "applied" })
        #expect(try deployctl("migrate", "up", "client-prod").stdout.contains("0 migration(s) applied"))

        let down = try deployctl("migrate", "down", "client-prod", "--to", "0")
        #expect(down.status == 0, "\(down.stdout)\(down.stderr)")
        let afterDown = try deployctl("migrate", "status", "client-prod", "--json")
        let pending = try #require(try JSONSerialization.jsonObject(with: Data(afterDown.stdout.utf8)) as? [[String: Any]])
        #expect(pending.allSatisfy { $0["condition"] as? String == "pending" })
        #expect(try deployctl("migrate", "up", "client-prod").status == 0)

        let replay = try deployctl("migrate", "validate", "--replay", "client-prod")
        #expect(replay.status == 0, "\(replay.stdout)\(replay.stderr)")
        #expect(replay.stdout.contains("gave the same"))
        let lock = try deployctl("lock", "status", "client-prod")
        #expect(lock.stdout.contains("free"))
        #expect(try deployctl("migrate", "down", "client-prod", "--to", "0").status == 0, "leave the host as the test found it")
    }
}
