import Foundation
import HostScripts
import SSH
import Testing

/// The scripts that read a host or a release before anything changes (`env check`'s facts, a
/// release's describing files), each run alone on a testbed host in a scratch root.
@Suite("host scripts: preflight", .serialized)
struct PreflightScriptTests {
    @Test("env-check-facts reports the system, the free space where the root would be made and each unit")
    func envCheckFacts() throws {
        let host = try ScriptHost()
        defer { host.close() }
        let root = host.root + "/not yet/app"
        let run = try host.run(
            .envCheckFacts, [root, "none", "", "systemd-journald.service", "no such-unit.service"])
        #expect(run.status == 0, "\(run.stderr)")
        let answer = run.answer
        #expect(answer["os"].map { !$0.isEmpty && $0 != "unknown" } == true, "\(run.stdout)")
        #expect(answer["kernel"]?.isEmpty == false)
        #expect(answer["systemd"]?.hasPrefix("systemd ") == true)
        #expect(answer["state"]?.isEmpty == false)
        #expect(answer["disk_path"] == host.root, "the nearest folder that exists")
        #expect(answer["disk"].flatMap(UInt64.init).map { $0 > 0 } == true)
        #expect(answer["root_exists"] == "no")
        #expect(answer["unit:systemd-journald.service"]?.hasPrefix("loaded active") == true, "\(run.stdout)")
        #expect(answer["unit:no such-unit.service"]?.hasPrefix("loaded") == false, "\(run.stdout)")
        #expect(answer["clickhouse_service"] == nil, "not the ClickHouse host")

        let systemd = try host.run(.envCheckFacts, [host.root, "systemd", "systemd-journald.service"])
        #expect(systemd.answer["root_exists"] == "yes")
        #expect(systemd.answer["clickhouse_service"] == "active")

        let docker = try host.run(.envCheckFacts, [host.root, "docker", "no such container"])
        #expect(docker.status == 0)
        #expect(docker.answer["clickhouse_service"].map { !$0.isEmpty && !$0.hasPrefix("running") } == true)
    }

    @Test("release-files prints the manifest, units, migrations and smoke checks, one block each, not the binary")
    func releaseFiles() throws {
        let host = try ScriptHost()
        defer { host.close() }
        let release = host.root + "/releases/r 1"
        try host.shell(
            """
            mkdir -p '\(release)/bin' '\(release)/systemd' '\(release)/migrations' '\(release)/checks/smoke'
            cd '\(release)'
            printf '{"id" : "r 1"}\\n' > manifest.json
            printf '[Service]\\nExecStart=$x\\n' > systemd/a.service
            printf '[Timer]\\n' > systemd/b.timer
            printf 'SELECT 1;\\n' > migrations/001_up.sql
            printf 'SELECT 2\\n' > checks/smoke/answer.sql
            printf 'binary' > bin/qtickets-api
            """)
        let run = try host.run(.releaseFiles, [release])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(
            run.answer.named("file:") == [
                "manifest.json": "{\"id\" : \"r 1\"}\n", "systemd/a.service": "[Service]\nExecStart=$x\n",
                "systemd/b.timer": "[Timer]\n", "migrations/001_up.sql": "SELECT 1;\n",
                "checks/smoke/answer.sql": "SELECT 2\n",
            ], "\(run.stdout)")

        try host.shell("rm -r '\(release)/checks'")
        let noChecks = try host.run(.releaseFiles, [release])
        #expect(noChecks.status == 0, "a release without smoke checks is read too")
        #expect(noChecks.answer.named("file:").count == 4)

        #expect(try host.run(.releaseFiles, [host.root + "/releases/none"]).status != 0)
    }
}
