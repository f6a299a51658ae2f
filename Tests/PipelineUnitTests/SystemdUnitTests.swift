import Foundation
import Healthcheck
import SSH
import Testbed
import Testing

/// The server layout the units must name; the deployer installs the release and the env file there.
enum PipelineLayout {
    static let binary = "/opt/qtickets_api/current/bin/qtickets-api"
    static let environmentFile = "/etc/qtickets_api/qtickets_api.env"
    static let account = "qtickets"
    static let healthcheckListen = "127.0.0.1:18080"
}

@Suite("systemd/: the pipeline's unit files")
struct UnitFileTests {
    static let services: [(name: String, arguments: [String])] = [
        ("qtickets_api.service", ["run"]),
        ("qtickets_healthcheck.service", ["healthcheck", "--serve", PipelineLayout.healthcheckListen]),
    ]

    /// Hardening both services must carry, with the values they must have.
    static let hardening: [String: String] = [
        "NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
        "PrivateDevices": "yes",
        "ProtectKernelTunables": "yes", "ProtectKernelModules": "yes", "ProtectKernelLogs": "yes",
        "ProtectControlGroups": "yes",
        "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX", "RestrictNamespaces": "yes", "LockPersonality": "yes",
        "MemoryDenyWriteExecute": "yes", "CapabilityBoundingSet": "", "SystemCallArchitectures": "native",
        "UMask": "0077",
    ]

    @Test(
        "each service runs the release's binary with its arguments, as qtickets, with the env file outside any checkout",
        arguments: services.map(\.name))
    func serverLayout(_ name: String) throws {
        let unit = try UnitFile.named(name)
        let arguments = try #require(Self.services.first { $0.name == name }?.arguments)
        let execStart = try #require(unit.value("ExecStart", in: "Service")).split(separator: " ").map(String.init)
        #expect(execStart.first == PipelineLayout.binary)
        #expect(Array(execStart.dropFirst()) == arguments)
        #expect(
            unit.values("EnvironmentFile", in: "Service") == [PipelineLayout.environmentFile],
            "without '-': a missing file must fail the start")
        #expect(unit.value("User", in: "Service") == PipelineLayout.account)
        #expect(unit.value("Group", in: "Service") == PipelineLayout.account)
    }

    @Test(
        "the loader is a oneshot only the timer starts: no [Install], a start timeout; the timer fires every 15 minutes"
    )
    func loaderAndTimer() throws {
        let service = try UnitFile.named("qtickets_api.service")
        #expect(service.value("Type", in: "Service") == "oneshot")
        #expect(!service.sections.contains("Install"), "WantedBy=multi-user.target would run the loader at every boot")
        #expect(service.value("TimeoutStartSec", in: "Service") == "20min")
        let timer = try UnitFile.named("qtickets_api.timer")
        #expect(timer.value("OnCalendar", in: "Timer") == "*:0/15")
        #expect(timer.value("Unit", in: "Timer") == "qtickets_api.service")
        #expect(timer.value("Persistent", in: "Timer") == "true")
        #expect(timer.value("RandomizedDelaySec", in: "Timer") == "60")
        #expect(timer.value("WantedBy", in: "Install") == "timers.target")
        #expect(timer.values("Timezone", in: "Timer").isEmpty)
    }

    @Test("a run systemd killed at the start timeout is reported as stuck only after the kill")
    func stuckLimitAfterTimeout() throws {
        let timeout = try #require(try UnitFile.named("qtickets_api.service").value("TimeoutStartSec", in: "Service"))
        let minutes = try #require(Int(timeout.replacingOccurrences(of: "min", with: "")))
        #expect(Duration.seconds(minutes * 60) < HealthThresholds().runStuckAfter)
    }

    @Test("the healthcheck is a long-lived server restarted on failure and started at boot")
    func healthcheckService() throws {
        let unit = try UnitFile.named("qtickets_healthcheck.service")
        #expect(unit.value("Type", in: "Service") == "simple")
        #expect(unit.value("Restart", in: "Service") == "on-failure")
        #expect(unit.value("RestartSec", in: "Service") != nil)
        #expect(unit.value("WantedBy", in: "Install") == "multi-user.target")
    }

    @Test("both services carry the same hardening and may write nowhere on the host", arguments: services.map(\.name))
    func hardening(_ name: String) throws {
        let unit = try UnitFile.named(name)
        for (key, value) in Self.hardening.sorted(by: { $0.key < $1.key }) {
            #expect(unit.values(key, in: "Service") == [value], "\(name): \(key)")
        }
        #expect(unit.values("ReadWritePaths", in: "Service").isEmpty)
        #expect(unit.values("User", in: "Service") != ["root"])
    }

    @Test(
        "every unit starts with a header saying what it is, where it is installed and what it needs",
        arguments: UnitFile.names)
    func header(_ name: String) throws {
        let unit = try UnitFile.named(name)
        #expect(unit.text.hasPrefix("# \(name): "))
        #expect(unit.text.contains("/etc/systemd/system/\(name)"))
        if name.hasSuffix(".service") {
            #expect(unit.text.contains("#   \(PipelineLayout.binary)"))
            #expect(unit.text.contains("#   \(PipelineLayout.environmentFile)"))
        }
    }
}

@Suite("systemd/ on a testbed host with systemd 252", .serialized)
struct SystemdUnitTests {
    @Test("systemd-analyze verify accepts the three units without a word")
    func verifyAccepts() throws {
        let host = try UnitHost()
        defer { host.close() }
        let paths = try host.upload(UnitFile.names.map(UnitFile.named))
        let result = try host.verify(paths)
        #expect(result.exitStatus == 0)
        #expect(result.stdoutText.isEmpty, "\(result.stdoutText)")
    }

    @Test("verify checks the ExecStart binary, which is why the placeholder stands at the release path")
    func verifyNeedsBinary() throws {
        let host = try UnitHost()
        defer { host.close() }
        let paths = try host.upload([try UnitFile.named("qtickets_api.service")])
        let result = try host.verify(paths, withBinary: false)
        #expect(result.exitStatus != 0)
        #expect(
            result.stdoutText.contains("Command \(PipelineLayout.binary) is not executable"), "\(result.stdoutText)")
    }

    @Test("a misspelt directive is flagged, although verify still exits 0: only silence passes")
    func misspeltDirective() throws {
        let host = try UnitHost()
        defer { host.close() }
        let broken = try UnitFile.named("qtickets_healthcheck.service").replacing(
            line: "RestartSec=10s", with: "RestrtSec=10s")
        let result = try host.verify(try host.upload([broken]))
        #expect(result.stdoutText.contains("Unknown key 'RestrtSec' in section [Service]"), "\(result.stdoutText)")
        #expect(result.exitStatus == 0, "systemd 252 only warns; the empty-output rule is what catches it")
    }

    @Test("the original's */15:00:00 is rejected by verify and by systemd-analyze calendar")
    func everyFifteenHours() throws {
        let host = try UnitHost()
        defer { host.close() }
        let broken = try UnitFile.named("qtickets_api.timer").replacing(
            line: "OnCalendar=*:0/15", with: "OnCalendar=*/15:00:00")
        let paths = try host.upload([try UnitFile.named("qtickets_api.service"), broken])
        let result = try host.verify(paths)
        #expect(result.exitStatus != 0)
        #expect(result.stdoutText.contains("Failed to parse calendar specification"), "\(result.stdoutText)")
        let calendar = try host.connection.execute("systemd-analyze calendar '*/15:00:00' 2>&1")
        #expect(calendar.exitStatus != 0)
    }

    @Test("the timer's OnCalendar elapses next within 15 minutes and then every 15 minutes")
    func nextElapse() throws {
        let host = try UnitHost()
        defer { host.close() }
        let spec = try #require(try UnitFile.named("qtickets_api.timer").value("OnCalendar", in: "Timer"))
        let result = try host.connection.execute(
            "date -u +%s; TZ=UTC systemd-analyze calendar --iterations=3 \(ShellQuote.quote(spec)) 2>&1")
        #expect(result.exitStatus == 0, "\(result.stdoutText)")
        let lines = result.stdoutText.split(separator: "\n").map(String.init)
        let now = try #require(lines.first.flatMap { TimeInterval($0) })
        let elapses = lines.filter { $0.contains("Next elapse:") || $0.contains("Iter. #") }.compactMap(Self.instant)
        try #require(elapses.count == 3, "\(result.stdoutText)")
        #expect(elapses[0].timeIntervalSince1970 > now)
        #expect(elapses[0].timeIntervalSince1970 - now <= 15 * 60)
        #expect(
            elapses[1].timeIntervalSince(elapses[0]) == 15 * 60 && elapses[2].timeIntervalSince(elapses[1]) == 15 * 60)
    }

    @Test(
        "each service starts under systemd as qtickets with its arguments, the env file, a read-only system and a private /tmp",
        arguments: UnitFileTests.services.map(\.name))
    func startsHardened(_ name: String) throws {
        let host = try UnitHost()
        defer { host.close() }
        let arguments = try #require(UnitFileTests.services.first { $0.name == name }?.arguments).joined(separator: " ")
        let run = try host.start(try UnitFile.named(name))
        #expect(run.result == "Result=success\nExecMainStatus=0", "\(run.journal)")
        #expect(
            run.journal.contains("probe user=qtickets group=qtickets args=\(arguments) umask=0077 env=from-env-file"),
            "\(run.journal)")
        #expect(run.journal.contains("probe opt=read-only"))
        #expect(run.journal.contains("probe tmp=writable"))
        #expect(run.journal.contains("probe home=hidden"))
    }

    /// The UTC instant in a line such as `Next elapse: Wed 2026-11-25 15:15:00 UTC`.
    static func instant(_ line: String) -> Date? {
        guard let match = line.firstMatch(of: /(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) UTC/) else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.date(from: String(match.1))
    }
}
