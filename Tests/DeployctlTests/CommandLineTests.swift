import ClickHouse
import Foundation
import Testbed
import Testing

@Suite("deployctl on the command line, against the testbed's hosts")
struct CommandLineTests {
    let testbed: Testbed
    let environments: String

    init() throws {
        testbed = try Testbed.current()
        environments = try #require(
            testbed.environments, "the testbed writes environment files; a real server needs its own --env-dir")
    }

    @Test("env list shows every environment with its role and hosts")
    func envList() throws {
        let run = try DeployctlRun(["--env-dir", environments, "env", "list", "--json"])
        #expect(run.status == 0)
        let rows = (run.result as? [String: Any])?["environments"] as? [[String: Any]]
        #expect(rows?.compactMap { $0["name"] as? String }.sorted() == ["client-prod", "fleet", "museshow"])
    }

    /// museshow as the testbed boots it: systemd running, ClickHouse active on its own loopback, the
    /// pipeline's units not installed (no suite installs them there), so exactly warnings for those.
    @Test("env check on a host whose state is known: every entry says what it should, exit 0 with the units' warnings")
    func envCheck() throws {
        let run = try DeployctlRun(["--env-dir", environments, "env", "check", "museshow", "--json"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let report = try #require(run.result as? [String: Any])
        let host = try #require((report["hosts"] as? [[String: Any]])?.first)
        #expect(host["reachable"] as? Bool == true)
        let checks = try #require(host["checks"] as? [[String: Any]])
        let byName = Dictionary(
            uniqueKeysWithValues: checks.map {
                ($0["name"] as! String, (status: $0["status"] as! String, detail: $0["detail"] as! String))
            })
        #expect(byName["ssh"]?.status == "ok" && byName["ssh"]?.detail.contains("SHA256:") == true)
        #expect(byName["os"]?.status == "ok" && byName["os"]?.detail.hasPrefix("Debian GNU/Linux 12") == true)
        #expect(
            byName["systemd"]?.status == "ok" && byName["systemd"]?.detail == "systemd 252, system running",
            "\(byName["systemd"].debugDescription)")
        let disk = try #require(byName["disk"])
        let gibibytes = try #require(
            Double(disk.detail.prefix { $0 != " " }), "disk detail starts with the free GiB: \(disk.detail)")
        #expect(disk.status == (gibibytes < 1 ? "fail" : gibibytes < 5 ? "warn" : "ok"), "\(disk)")
        #expect(
            byName["clickhouse-service"]?.status == "ok"
                && byName["clickhouse-service"]?.detail == "clickhouse-server.service is active")
        #expect(
            byName["clickhouse-http"]?.status == "ok"
                && byName["clickhouse-http"]?.detail.hasPrefix("ClickHouse 26.9") == true)
        for unit in ["qtickets_api.service", "qtickets_api.timer", "qtickets_healthcheck.service"] {
            #expect(
                byName["unit " + unit]?.status == "warn"
                    && byName["unit " + unit]?.detail == "not installed (a deploy installs it)")
        }
        #expect(checks.count == 9, "no check beyond those: \(byName.keys.sorted())")
    }

    @Test("env check of several hosts checks ClickHouse on the ClickHouse host only")
    func envCheckFleet() throws {
        let run = try DeployctlRun(["--env-dir", environments, "--json", "env", "check", "fleet"])
        let hosts = try #require((run.result as? [String: Any])?["hosts"] as? [[String: Any]])
        #expect(hosts.compactMap { $0["host"] as? String } == ["museshow", "client-prod", "prod2"])
        let clickhouseChecks = hosts.map { host in
            ((host["checks"] as? [[String: Any]]) ?? []).filter {
                ($0["name"] as? String)?.hasPrefix("clickhouse") == true
            }.count
        }
        #expect(clickhouseChecks == [2, 0, 0], "the fleet's ClickHouse host is its first host")
    }

    @Test("exec runs on every host, prefixes lines by host and exits with the worst status")
    func execFleet() throws {
        let run = try DeployctlRun([
            "--env-dir", environments, "exec", "fleet", "--", "hostname; [ $(hostname) = prod2 ] && exit 7; exit 0",
        ])
        #expect(run.status == 7)
        for name in ["museshow", "client-prod", "prod2"] {
            #expect(run.stdout.contains("| \(name)"))
        }
        #expect(run.stderr.contains("prod2: exit 7"))
        #expect(!run.stderr.contains("museshow:"), "only the failed host is reported")
        let single = try DeployctlRun([
            "--env-dir", environments, "exec", "fleet", "--host", "museshow", "--", "echo", "a b",
        ])
        #expect(single.status == 0 && single.stdout == "a b\n")
    }

    @Test("exec passes standard input to the command on every host, and -n sends none")
    func execStandardInput() throws {
        let input = Data((1...20_000).map { "order \($0)\n" }.joined().utf8)
        let run = try DeployctlRun(
            ["--env-dir", environments, "exec", "fleet", "--", "awk 'END { print NR; print $0 }'"], input: input)
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n")
        for name in ["museshow", "client-prod", "prod2"] {
            let host = lines.filter { $0.hasPrefix(name + " ") }.map { $0.split(separator: "|").last ?? "" }
            #expect(host == [" 20000", " order 20000"], "\(run.stdout)")
        }
        let none = try DeployctlRun(
            ["--env-dir", environments, "exec", "museshow", "-n", "--", "wc -c"], input: Data("ignored".utf8))
        #expect(none.status == 0 && none.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    }

    @Test("trust records an unknown host key after showing its fingerprint; a second run finds it trusted")
    func trust() throws {
        let temporary = try TemporaryDirectory("trust")
        let directory = temporary.path
        try FileManager.default.createDirectory(atPath: directory + "/environments", withIntermediateDirectories: true)
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

        let recorded = try DeployctlRun([
            "--env-dir", directory + "/environments", "trust", "museshow", "--yes", "--json",
        ])
        #expect(recorded.status == 0)
        #expect(
            ((recorded.result as? [String: Any])?["rows"] as? [[String: Any]])?.first?["outcome"] as? String
                == "recorded")
        let fingerprints = try String(contentsOfFile: knownHosts, encoding: .utf8)
        #expect(fingerprints.contains("deployctl:museshow"))

        let again = try DeployctlRun(["--env-dir", directory + "/environments", "trust", "museshow", "--json"])
        #expect(again.status == 0 && again.stdout.contains("\"trusted\""))
        #expect(
            try DeployctlRun(["--env-dir", directory + "/environments", "exec", "museshow", "--", "true"]).status == 0)

        let fingerprint = try #require(recorded.stdout.split(separator: "\"").first { $0.hasPrefix("SHA256:") })
        try FileManager.default.removeItem(atPath: knownHosts)
        let pinnedFile = rewritten.replacingOccurrences(
            of: "port = 22", with: "port = 22\nhost_key = \"\(fingerprint)\"")
        try pinnedFile.write(toFile: directory + "/environments/museshow.toml", atomically: true, encoding: .utf8)
        let pinned = try DeployctlRun(["--env-dir", directory + "/environments", "trust", "museshow", "--json"])
        #expect(pinned.status == 0 && pinned.stdout.contains("\"recorded\""), "a pinned key is recorded without asking")
    }

    @Test("a malformed environment file is named with its line and key, exit status 2")
    func malformedEnvironment() throws {
        let temporary = try TemporaryDirectory("bad")
        let directory = temporary.path
        let original = try String(contentsOfFile: environments + "/museshow.toml", encoding: .utf8)
        try original.replacingOccurrences(of: "http_port = 8123", with: "http_prot = 8123")
            .write(toFile: directory + "/museshow.toml", atomically: true, encoding: .utf8)
        let run = try DeployctlRun(["--env-dir", directory, "env", "check", "museshow"])
        #expect(run.status == 2)
        let line = original.split(separator: "\n", omittingEmptySubsequences: false).firstIndex {
            $0.hasPrefix("http_port")
        }.map { $0 + 1 }
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
    func shippedSchemaRoundTrip() async throws {
        let lint = try deployctl("migrate", "lint")
        #expect(lint.status == 0, "\(lint.stdout)\(lint.stderr)")
        let shippedCount = try FileManager.default.contentsOfDirectory(atPath: migrations).filter {
            $0.hasSuffix(".up.sql")
        }.count
        #expect(
            lint.stdout.contains("\(shippedCount) migration(s)") && lint.stdout.hasSuffix("linted; findings: none\n"),
            "a clean lint says what it checked: \(lint.stdout)")
        let plan = try deployctl("migrate", "up", "client-prod", "--dry-run")
        #expect(
            plan.status == 0 && plan.stdout.contains("-- 0001_staging_orders (up)"),
            "\(plan.stdout.suffix(2000))\(plan.stderr)")

        let up = try deployctl("migrate", "up", "client-prod", "--json")
        #expect(up.status == 0, "\(up.stdout)\(up.stderr)")
        #expect(((up.result as? [String: Any])?["steps"] as? [Any])?.count == shippedCount)
        let status = try deployctl("migrate", "status", "client-prod", "--json")
        let rows = try #require((status.result as? [String: Any])?["migrations"] as? [[String: Any]])
        let shipped = try FileManager.default.contentsOfDirectory(atPath: migrations).filter { $0.hasSuffix(".up.sql") }
            .count
        #expect(rows.count == shipped && rows.allSatisfy { $0["condition"] as? String == "applied" })
        #expect(try deployctl("migrate", "up", "client-prod").stdout.contains("0 migration(s) applied"))

        let down = try deployctl("migrate", "down", "client-prod", "--to", "0")
        #expect(down.status == 0, "\(down.stdout)\(down.stderr)")
        let afterDown = try deployctl("--json", "migrate", "status", "client-prod")
        let pending = try #require((afterDown.result as? [String: Any])?["migrations"] as? [[String: Any]])
        #expect(pending.allSatisfy { $0["condition"] as? String == "pending" })
        #expect(try deployctl("migrate", "up", "client-prod").status == 0)

        let replay = try deployctl("migrate", "validate", "--replay", "client-prod")
        #expect(replay.status == 0, "\(replay.stdout)\(replay.stderr)")
        #expect(replay.stdout.contains("gave the same"))
        let server = try ClickHouseServer.modern(on: "client-prod")
        #expect(
            try await ClickHouseClient(endpoint: server.admin).value(
                "SELECT count() FROM system.databases WHERE startsWith(name, 'deployctl_replay_')") == "0",
            "the scratch database is dropped before the command exits")
        withExtendedLifetime(server) {}
        let lock = try deployctl("lock", "status", "client-prod")
        #expect(lock.stdout.contains("free"))
        #expect(
            try deployctl("migrate", "down", "client-prod", "--to", "0").status == 0,
            "leave the host as the test found it")
    }
}
