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
}
