import Testing

@testable import Verify

/// The rules by which verify's checks read what a host answered, each from answers as hosts give
/// them: a fact that could not be read, or that says nothing, never passes.
@Suite("verify's rules for what a host answered")
struct VerifyRulesTests {
    @Test("a container passes only when running with a healthy health check; starting or none is not healthy")
    func containerHealth() {
        func verdict(_ runtime: String) -> (Bool, String) {
            let verdict = VerifySuite.containerVerdict(runtime)
            return (verdict.passed, verdict.found.english)
        }
        #expect(verdict("running healthy") == (true, "running, healthy"))
        #expect(verdict("running starting").0 == false)
        #expect(verdict("running unhealthy") == (false, "running, unhealthy"))
        let none = verdict("running ")
        #expect(!none.0 && none.1.contains("without a health check"), "\(none)")
        #expect(verdict("exited ") == (false, "exited"))
        #expect(verdict("Error: no such object: ch-zakaz").0 == false)
        #expect(verdict("") == (false, "unknown"))
    }

    @Test("every address but loopback is exposed: wildcards, a public and a private address, on the watched ports")
    func exposedSockets() {
        let listening = [
            "127.0.0.1:8123", "[::1]:9000", "127.0.0.53%lo:53", "0.0.0.0:22", "203.0.113.10:8123", "10.77.3.2:9000",
            "*:18080", "[::]:8123", "[::ffff:127.0.0.1]:18080",
        ]
        #expect(
            VerifySuite.exposed(listening, ports: ["8123", "9000", "18080"]) == [
                "203.0.113.10:8123", "10.77.3.2:9000", "*:18080", "[::]:8123",
            ])
        #expect(VerifySuite.exposed(["127.0.0.1:8123", "0.0.0.0:22"], ports: ["8123"]).isEmpty)
    }

    @Test("load.run passes only on a start that exited 0 and ran the service anew to success")
    func loaderRun() {
        func verdict(_ lines: String) -> String? {
            LoaderRunOutcome.judge(VerifyFacts(output: lines, command: "").answer).problem?.english
        }
        #expect(
            verdict("started_before=100\nstart_status=0\nstarted_after=200\nResult=success\nExecMainStatus=0")
                == nil)
        // Masked: systemctl start refuses, while Result and ExecMainStatus are still the previous run's.
        let masked = verdict(
            "started_before=100\nstart_status=1\nstart_error=Failed to start x.service: Unit x.service is masked.\nstarted_after=100\nResult=success\nExecMainStatus=0"
        )
        #expect(masked?.contains("systemctl start exited 1") == true && masked?.contains("masked") == true)
        // A condition that failed: start exits 0 but nothing ran.
        let skipped = verdict("started_before=100\nstart_status=0\nstarted_after=100\nResult=success\nExecMainStatus=0")
        #expect(skipped?.contains("ran nothing") == true, "\(skipped ?? "nil")")
        #expect(
            verdict(
                "started_before=100\nexited_before=90\nstart_status=0\nstarted_after=100\nexited_after=150\nResult=success\nExecMainStatus=0"
            ) == nil, "a timer run already under way when the start came, joined and finished, is a run")
        #expect(
            verdict(
                "started_before=100\nexited_before=150\nstart_status=0\nstarted_after=100\nexited_after=150\nResult=success\nExecMainStatus=0"
            )?.contains("ran nothing") == true)
        #expect(verdict("start_status=0\nstarted_after=200\nResult=exit-code\nExecMainStatus=1") != nil)
        // Unloaded after it finished (no active timer): no start time to compare, metadata.last-run judges the run.
        #expect(verdict("started_before=0\nstart_status=0\nstarted_after=0\nResult=success\nExecMainStatus=0") == nil)
        #expect(verdict("Result=success\nExecMainStatus=0") != nil, "an old host script's answer does not pass")
    }

    @Test("the healthcheck's address is the unit's --serve, a wildcard asked on loopback")
    func servedAddress() {
        let show =
            "{ path=/opt/x/current/bin/qtickets-api ; argv[]=/opt/x/current/bin/qtickets-api healthcheck --serve 127.0.0.1:18099 ; ignore_errors=no ; start_time=[n/a] }"
        #expect(VerifySuite.servedAddress(show).map { "\($0.host):\($0.port)" } == "127.0.0.1:18099")
        #expect(VerifySuite.servedAddress("argv[]=q healthcheck --serve=0.0.0.0:18080 ;").map(\.host) == "127.0.0.1")
        #expect(VerifySuite.servedAddress("argv[]=q healthcheck --serve [::]:18080").map(\.host) == "::1")
        #expect(VerifySuite.servedAddress("argv[]=q healthcheck --json ;") == nil)
    }

    @Test("the samples of a text exposition, by name and labels")
    func metricSamples() {
        let samples = VerifySuite.samples(
            "# HELP qtickets_health_status x\n# TYPE qtickets_health_status gauge\nqtickets_health_status{state=\"ok\"} 1\nqtickets_health_status{state=\"warning\"} 0\n"
        )
        #expect(
            samples == ["qtickets_health_status{state=\"ok\"}": "1", "qtickets_health_status{state=\"warning\"}": "0"])
    }

    @Test("the timer must have fired after the deploy once two periods have passed; before that it is not due")
    func timerFired() {
        let deployed = 1_000_000
        #expect(
            VerifySuite.timerFired(now: deployed + 1200, deployed: deployed, triggered: deployed + 900, period: 900)
                .outcome == .pass)
        let early = VerifySuite.timerFired(now: deployed + 600, deployed: deployed, triggered: nil, period: 900)
        #expect(early.outcome == .pass && early.found.english.contains("not due yet"), "\(early)")
        let stale = VerifySuite.timerFired(
            now: deployed + 3600, deployed: deployed, triggered: deployed - 60, period: 900)
        #expect(stale.outcome == .fail && stale.found.english.contains("before the deploy"), "\(stale)")
        #expect(
            VerifySuite.timerFired(now: deployed + 3600, deployed: deployed, triggered: nil, period: 900).outcome
                == .fail)
        #expect(VerifySuite.timerFired(now: nil, deployed: deployed, triggered: nil, period: 900).outcome == .error)
        #expect(
            VerifySuite.timerFired(now: deployed, deployed: deployed, triggered: nil, period: nil).outcome == .error)
    }

    @Test("the env file's JOB_NAME and HEALTHCHECK_RUN_WARN_MINUTES, unquoted; the defaults, saying so, without them")
    func hostSettings() {
        let set = HostSettings(
            answer: "JOB_NAME=\"museum_api\"\nHEALTHCHECK_RUN_WARN_MINUTES=90\n", envFile: "/etc/x.env")
        #expect(set.job == "museum_api" && set.maxLagMinutes == 90)
        #expect(set.origin.contains("JOB_NAME=museum_api from /etc/x.env"), "\(set.origin)")
        let unset = HostSettings(answer: "", envFile: "/etc/x.env")
        #expect(unset.job == "qtickets_api" && unset.maxLagMinutes == 45 && unset.origin.contains("default"))
    }
}
