import Foundation
import HostScripts
import SSH
import Testing

/// The scripts that stop, run and check the loader around a switch, each run alone on a testbed
/// host against units of the test's own under /run/systemd/system.
@Suite("host scripts: the loader's units", .serialized)
struct LoaderScriptTests {
    /// Installs oneshot `<name>.service` running `command` (and `<name>.timer`), removed by the returned closure.
    func install(_ name: String, command: String, on host: ScriptHost) throws -> () -> Void {
        try host.shell(
            """
            printf '[Service]\\nType=oneshot\\nExecStart=/bin/sh -c %s\\n' "'\(command)'" > /run/systemd/system/\(name).service
            printf '[Timer]\\nOnCalendar=2099-01-01\\nUnit=\(name).service\\n' > /run/systemd/system/\(name).timer
            systemctl daemon-reload
            """)
        return {
            _ = try? host.shell(
                "systemctl stop \(name).timer \(name).service 2>/dev/null || true; rm -f /run/systemd/system/\(name).*; systemctl daemon-reload; systemctl reset-failed \(name).service 2>/dev/null || true"
            )
        }
    }

    @Test("stop-timer stops the timers and waits for a run in progress to end")
    func stopTimerWaits() throws {
        let host = try ScriptHost()
        defer { host.close() }
        let name = "deployctl-test-stop-\(UUID().uuidString.prefix(8).lowercased())"
        let remove = try install(name, command: "sleep 2", on: host)
        defer { remove() }
        try host.shell("systemctl start \(name).timer && systemctl start --no-block \(name).service")
        let run = try host.run(.stopTimer, ["30", "\(name).timer", "--", "\(name).service"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try host.shell("systemctl is-active \(name).timer \(name).service || true") == "inactive\ninactive\n")
    }

    @Test("stop-timer fails (1) naming the job when the run outlives the wait")
    func stopTimerTimesOut() throws {
        let host = try ScriptHost()
        defer { host.close() }
        let name = "deployctl-test-slow-\(UUID().uuidString.prefix(8).lowercased())"
        let remove = try install(name, command: "sleep 30", on: host)
        defer { remove() }
        try host.shell("systemctl start --no-block \(name).service")
        let run = try host.run(.stopTimer, ["1", "--", "\(name).service"])
        #expect(run.status == 1)
        #expect(
            run.stderr.contains("the loader run in progress (\(name).service) did not finish within 1 s"),
            "\(run.stderr)")
    }

    @Test("loader-run starts one run and reports how systemd says it ended")
    func loaderRun() throws {
        let host = try ScriptHost()
        defer { host.close() }
        let name = "deployctl-test-run-\(UUID().uuidString.prefix(8).lowercased())"
        let remove = try install(name, command: "exit 3", on: host)
        defer { remove() }
        let failed = try host.run(.loaderRun, ["\(name).service"])
        #expect(failed.status == 0, "\(failed.stderr)")
        #expect(failed.answer["Result"] == "exit-code")
        #expect(failed.answer["ExecMainStatus"] == "3")

        try host.shell("systemctl reset-failed \(name).service")
        let good = try install(name, command: "exit 0", on: host)
        defer { good() }
        let passed = try host.run(.loaderRun, ["\(name).service"])
        #expect(passed.answer["Result"] == "success", "\(passed.stdout)")
    }

    @Test("loader-run joins a run the timer began just before: the start time stays, the exit time moves")
    func loaderRunJoins() throws {
        let host = try ScriptHost()
        defer { host.close() }
        let name = "deployctl-test-join-\(UUID().uuidString.prefix(8).lowercased())"
        let remove = try install(name, command: "sleep 2", on: host)
        defer { remove() }
        try host.shell("systemctl start \(name).timer && systemctl start --no-block \(name).service")
        let joined = try host.run(.loaderRun, ["\(name).service"])
        #expect(joined.answer["start_status"] == "0" && joined.answer["Result"] == "success", "\(joined.stdout)")
        #expect(joined.answer["started_after"] == joined.answer["started_before"], "\(joined.stdout)")
        #expect(
            joined.answer["exited_after"].map { $0 != "0" && $0 != joined.answer["exited_before"] } == true,
            "\(joined.stdout)")
    }

    @Test(
        "loader-run says when systemctl start refused the unit (masked) or ran nothing (a failed condition), which Result alone cannot: it keeps the previous run's success"
    )
    func loaderRunRefused() throws {
        let host = try ScriptHost()
        defer { host.close() }
        let name = "deployctl-test-refused-\(UUID().uuidString.prefix(8).lowercased())"
        let remove = try install(name, command: "exit 0", on: host)
        defer {
            _ = try? host.shell(
                "systemctl unmask \(name).service; rm -rf /run/systemd/system/\(name).service.d; systemctl daemon-reload"
            )
            remove()
        }
        // The timer active, as on a loader host: it keeps the finished service loaded, with its last start.
        try host.shell("systemctl start \(name).timer")
        let first = try host.run(.loaderRun, ["\(name).service"])
        #expect(first.answer["start_status"] == "0" && first.answer["Result"] == "success", "\(first.stdout)")
        #expect(first.answer["started_after"] != first.answer["started_before"], "\(first.stdout)")

        try host.shell("systemctl mask \(name).service")
        let masked = try host.run(.loaderRun, ["\(name).service"])
        #expect(masked.status == 0, "\(masked.stderr)")
        #expect(masked.answer["start_status"].map { $0 != "0" } == true, "\(masked.stdout)")
        #expect(masked.answer["start_error"]?.contains("masked") == true, "\(masked.stdout)")
        #expect(masked.answer["Result"] == "success", "systemd still shows the previous run's result")
        try host.shell("systemctl unmask \(name).service")

        try host.shell(
            "mkdir -p /run/systemd/system/\(name).service.d && printf '[Unit]\\nConditionPathExists=/nonexistent\\n' > /run/systemd/system/\(name).service.d/condition.conf && systemctl daemon-reload"
        )
        let skipped = try host.run(.loaderRun, ["\(name).service"])
        #expect(skipped.answer["start_status"] == "0", "\(skipped.stdout)")
        #expect(
            skipped.answer["started_after"] == skipped.answer["started_before"], "nothing ran: \(skipped.stdout)")
        #expect(skipped.answer["exited_after"] == skipped.answer["exited_before"], "nothing ran: \(skipped.stdout)")
    }

    @Test("release-command runs the binary's healthcheck with the env file and passes on its status")
    func healthcheck() throws {
        let host = try ScriptHost()
        defer { host.close() }
        try host.shell(
            """
            cd \(host.root)
            printf 'VERDICT=healthy\\nCODE=0\\n' > 'env file' && chgrp daemon 'env file'
            printf '#!/bin/sh\\nv() { sed -n "s/^$1=//p" "$4"; }\\necho "$1: $(v VERDICT "$@")"\\nexit "$(v CODE "$@")"\\n' > check
            chmod 0755 check
            """)
        let healthy = try host.run(.releaseCommand, [host.root + "/env file", host.root + "/check", "healthcheck"])
        #expect(healthy.status == 0, "\(healthy.stdout)\(healthy.stderr)")
        #expect(healthy.stdout == "healthcheck: healthy\n")

        try host.shell("printf 'VERDICT=stale\\nCODE=1\\n' > '\(host.root)/env file'")
        let stale = try host.run(.releaseCommand, [host.root + "/env file", host.root + "/check", "healthcheck"])
        #expect(stale.status == 1)
        #expect(stale.stdout == "healthcheck: stale\n")
    }
}
