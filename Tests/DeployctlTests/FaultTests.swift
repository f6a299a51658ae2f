import ClickHouse
import Foundation
import Testbed
import Testing

/// The faults a deploy must survive, each on prod2 with real sshd, systemd and ClickHouse: after
/// each the host runs exactly one release, `status` says which, the audit chain verifies and the
/// next deploy succeeds. The environment shortens the watchdog's window and the locks' TTL so that
/// a killed deploy's leftovers expire within the test.
@Suite("faults a deploy survives, on a testbed host", .serialized)
struct FaultTests {
    static let host = DeployFixture.host
    static let watchdogSeconds = 6
    static let lockSeconds = 15

    static func fixture() async throws -> DeployFixture {
        try await DeployFixture {
            $0 + "\n[deploy]\nwatchdog_seconds = \(watchdogSeconds)\nlock_ttl_seconds = \(lockSeconds)\n"
        }
    }

    /// A release whose units are changed by `edit` (file name in systemd/: text → text), plus `migrations`.
    static func release(
        _ fixture: DeployFixture, migrations: [String: String] = [:], units: [String: (String) -> String] = [:],
        marked: String? = nil
    ) throws -> String {
        let checkout = try fixture.checkout { path in
            for (name, text) in migrations {
                try text.write(toFile: path + "/migrations/" + name, atomically: true, encoding: .utf8)
            }
            for (unit, edit) in units {
                let file = path + "/systemd/" + unit
                try edit(try String(contentsOfFile: file, encoding: .utf8)).write(
                    toFile: file, atomically: true, encoding: .utf8)
            }
        }
        var binary = Testbed.repository.appendingPathComponent(".build/static/qtickets-api").path
        if let marked { binary = try fixture.directory.variant(of: binary, marked: marked) }
        return try DeployTests.buildID(fixture, ["--checkout", checkout, "--binary", binary])
    }

    /// `ExecStartPre=` added to a unit's `[Service]`.
    static func pre(_ command: String) -> (String) -> String {
        { $0.replacingOccurrences(of: "[Service]\n", with: "[Service]\nExecStartPre=\(command)\n") }
    }

    /// A deployctl started in the background, as a second terminal or a second workstation would.
    final class Background: @unchecked Sendable {
        let process = Process()
        let output = Pipe()

        init(_ fixture: DeployFixture, _ arguments: [String], user: String? = nil) throws {
            process.executableURL = URL(fileURLWithPath: DeployctlRun.binary)
            process.arguments = ["--env-dir", fixture.environments] + arguments
            var environment = ProcessInfo.processInfo.environment.merging(fixture.environment) { $1 }
            if let user { environment["USER"] = user }
            process.environment = environment
            process.standardOutput = output
            process.standardError = output
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }

        func kill() {
            Foundation.kill(process.processIdentifier, SIGKILL)
        }

        /// Waits for the end; returns the exit status (or the signal) and everything printed.
        func finish() -> (Int32, String) {
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, text)
        }
    }

    /// Polls on the host until `condition` (a shell test) holds, for at most `seconds`; true if it did.
    static func await(_ condition: String, on fixture: DeployFixture, seconds: Int) async throws -> Bool {
        try await fixture.run(
            "for i in $(seq \(seconds * 20)); do if \(condition); then echo yes; exit 0; fi; sleep 0.05; done; echo no")
            == "yes\n"
    }

    /// Waits, at most the lock's lifetime and 5 s, until the host's deploy lock is free or expired
    /// (as `lease-take.sh` judges it: its `deadline` not after the host's seconds since boot); true if it is.
    static func lockExpires(_ fixture: DeployFixture) async throws -> Bool {
        try await Self.await(
            "! grep -q '\"deadline\":' /opt/zakaz_dashboard/shared/deploy.lock 2>/dev/null || { read -r up _ </proc/uptime; "
                + "[ $(sed -n 's/.*\"deadline\":\\([0-9]*\\).*/\\1/p' /opt/zakaz_dashboard/shared/deploy.lock) -le ${up%.*} ]; }",
            on: fixture, seconds: lockSeconds + 5)
    }

    static func current(_ fixture: DeployFixture) async throws -> String {
        try await fixture.run("readlink /opt/zakaz_dashboard/current || true").trimmingCharacters(
            in: .whitespacesAndNewlines)
    }

    /// setup, secrets push, and a first release deployed; returns its id.
    static func deployFirst(_ fixture: DeployFixture) throws -> String {
        let first = try release(fixture)
        #expect(try fixture.deployctl(["setup", host]).status == 0)
        #expect(try fixture.deployctl(["secrets", "push", host, "--from", fixture.envFile()]).status == 0)
        let deployed = try fixture.deployctl(["deploy", host, "--release", first])
        #expect(deployed.status == 0, "\(deployed.stdout)\(deployed.stderr)")
        return first
    }

    /// The truths every fault test ends with: status names the one release the host runs, the
    /// audit chain verifies, and the next deploy succeeds.
    static func endsClean(_ fixture: DeployFixture, next: String) async throws {
        let running = try await current(fixture).replacingOccurrences(of: "releases/", with: "")
        let status = try fixture.deployctl(["--json", "status", host])
        let hosts = (DeployTests.result(status)["hosts"] as? [[String: Any]]) ?? []
        #expect(hosts.first?["current"] as? String == running && !running.isEmpty, "\(status.stdout)")
        let audit = try fixture.deployctl(["audit", "verify", host])
        #expect(audit.status == 0, "\(audit.stdout)\(audit.stderr)")
        let again = try fixture.deployctl(["deploy", host, "--release", next])
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
    }

    @Test(
        "a workstation killed after the switch: the host's watchdog puts the old release, units and timer back, status says so, the lock expires, the next deploy succeeds"
    )
    func watchdogAfterSwitch() async throws {
        let fixture = try await Self.fixture()
        do {
            let first = try Self.deployFirst(fixture)
            let slow = try Self.release(fixture, units: ["qtickets_api.service": Self.pre("/bin/sleep 30")])
            let deploy = try Background(fixture, ["deploy", Self.host, "--release", slow])
            let switched = try await Self.await(
                "[ \"$(readlink /opt/zakaz_dashboard/current)\" = releases/\(slow) ] && [ -f /opt/zakaz_dashboard/shared/watchdog/state ]",
                on: fixture, seconds: 60)
            #expect(switched, "the deploy reached its switch with the watchdog armed")
            #expect(try await fixture.run("systemctl is-active deployctl-watchdog.timer") == "active\n")
            deploy.kill()
            let (status, _) = deploy.finish()
            #expect(status == SIGKILL)
            let fired = try await Self.await(
                "[ -f /opt/zakaz_dashboard/shared/watchdog/fired ]", on: fixture, seconds: Self.watchdogSeconds + 20)
            #expect(fired, "the watchdog fired")
            #expect(try await Self.current(fixture) == "releases/\(first)")
            #expect(
                try await fixture.run("grep -c ExecStartPre /etc/systemd/system/qtickets_api.service || true") == "0\n",
                "the old unit is back")
            #expect(
                try await fixture.run(
                    "systemctl is-active qtickets_api.timer qtickets_healthcheck.service; systemctl is-enabled qtickets_api.timer"
                )
                    == "active\nactive\nenabled\n")
            #expect(
                try await fixture.run("systemctl is-active deployctl-watchdog.timer || true") != "active\n",
                "the watchdog stopped itself")

            let shown = try fixture.deployctl(["status", Self.host])
            #expect(
                shown.stdout.contains("restored \(first) by itself")
                    && shown.stdout.contains("did not confirm the deploy of \(slow)"), "\(shown.stdout)")
            let locked = try fixture.deployctl(["deploy", Self.host, "--release", first])
            #expect(locked.status == 0, "the release it runs needs no lock: \(locked.stdout)\(locked.stderr)")
            #expect(try await Self.lockExpires(fixture))
            let next = try Self.release(fixture, marked: "after-watchdog")
            try await Self.endsClean(fixture, next: next)
            let audit = try fixture.deployctl(["audit", Self.host])
            #expect(audit.stdout.contains("watchdog rollback"), "the firing is in the audit log: \(audit.stdout)")
            #expect(
                !(try fixture.deployctl(["status", Self.host]).stdout.contains("by itself")),
                "recorded, so no longer shown")
        } catch {
            Issue.record(error)
        }
        await fixture.cleanup()
    }

    @Test(
        "killed during the upload and during the migrations: the host stays on its release, the lock expires, the next deploy completes the migration"
    )
    func killedBeforeSwitch() async throws {
        let fixture = try await Self.fixture()
        do {
            let first = try Self.deployFirst(fixture)
            let big = try Self.release(fixture, marked: "killed-upload")
            let upload = try Background(fixture, ["deploy", Self.host, "--release", big])
            let uploading = try await Self.await(
                "f=$(ls /opt/zakaz_dashboard/releases/..incoming-\(big).tar.deployctl-*.tmp 2>/dev/null | head -n 1); [ -n \"$f\" ] && [ $(stat -c %s \"$f\") -gt 1000000 ]",
                on: fixture, seconds: 60)
            #expect(uploading)
            upload.kill()
            _ = upload.finish()
            #expect(try await Self.current(fixture) == "releases/\(first)")
            let refused = try fixture.deployctl(["deploy", Self.host, "--release", big])
            #expect(
                refused.status == 4 && (refused.stdout + refused.stderr).contains("another deploy holds the lock"),
                "\(refused.stdout)\(refused.stderr)")
            #expect(try await Self.lockExpires(fixture), "the killed deploy's lock expires")
            let completed = try fixture.deployctl(["deploy", Self.host, "--release", big])
            #expect(completed.status == 0, "\(completed.stdout)\(completed.stderr)")

            let slow = try Self.release(
                fixture,
                migrations: [
                    "0009_slow_probe.up.sql": """
                    CREATE TABLE IF NOT EXISTS slow_probe (x UInt64) ENGINE = MergeTree ORDER BY x;
                    INSERT INTO slow_probe SELECT number FROM numbers(3) WHERE sleepEachRow(1) = 0;
                    INSERT INTO slow_probe SELECT number + 3 FROM numbers(3) WHERE sleepEachRow(1) = 0;

                    """,
                    "0009_slow_probe.down.sql":
                        "-- deployctl:allow-destructive the probe table is the test's own\nDROP TABLE IF EXISTS slow_probe;\n",
                ])
            let migrating = try Background(fixture, ["deploy", Self.host, "--release", slow])
            let server = try ClickHouseServer.modern(on: Self.host)
            let clickhouse = ClickHouseClient(endpoint: server.admin)
            var started = false
            for _ in 0..<600 where !started {
                started = (try? await clickhouse.value("EXISTS TABLE zakaz.slow_probe")) == "1"
                if !started { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(started, "the migration began")
            migrating.kill()
            _ = migrating.finish()
            #expect(try await Self.current(fixture) == "releases/\(big)", "no switch happened")
            #expect(try await Self.lockExpires(fixture), "the killed deploy's lock expires")
            try await Self.endsClean(fixture, next: slow)
            #expect(try await Self.current(fixture) == "releases/\(slow)")
            // The statement running when the workstation died may have finished on the server unrecorded
            // and run again on resume: ClickHouse has no transactions, so the values, not the rows, are counted.
            #expect(
                try await clickhouse.value("SELECT uniqExact(x) FROM zakaz.slow_probe") == "6",
                "the interrupted migration resumed and finished")
            withExtendedLifetime(server) {}
        } catch {
            Issue.record(error)
        }
        await fixture.cleanup()
    }

    @Test(
        "a migration that fails mid-deploy: no switch, the history names the statement, the deploy's earlier migration is undone; the fixed release resumes"
    )
    func failingMigration() async throws {
        let fixture = try await Self.fixture()
        do {
            let first = try Self.deployFirst(fixture)
            let table = "CREATE TABLE IF NOT EXISTS broken_probe (x UInt8) ENGINE = MergeTree ORDER BY x;\n"
            let down =
                "-- deployctl:allow-destructive the probe table is the test's own\nDROP TABLE IF EXISTS broken_probe;\n"
            let broken = try Self.release(
                fixture,
                migrations: RollbackTests.view.merging([
                    "0010_broken_probe.up.sql": table + "ALTER TABLE broken_probe ADD COLUMN y NoSuchType;\n",
                    "0010_broken_probe.down.sql": down,
                ]) { $1 })
            let failed = try fixture.deployctl(["--json", "deploy", Self.host, "--release", broken])
            #expect(failed.status == 1, "\(failed.stdout)\(failed.stderr)")
            #expect(try await Self.current(fixture) == "releases/\(first)")
            let rollback = (DeployTests.result(failed)["rollback"] as? [String: Any]) ?? [:]
            #expect(PlanStepLines.of(rollback["taken"]) == ["migrate-down 0009_probe_view"], "\(failed.stdout)")
            let viewLeft = try await RollbackTests().exists("v_rollback_probe")
            #expect(!viewLeft, "the deploy's applied migration was undone")
            let migrations = (fixture.environment["DEPLOYCTL_RELEASES"] ?? "") + "/\(broken)/migrations"
            let history = try fixture.deployctl(["--json", "migrate", "status", Self.host, "--migrations", migrations])
            let rows = ((DeployTests.result(history)["migrations"] as? [[String: Any]]) ?? []).filter {
                $0["slug"] as? String == "broken_probe"
            }
            #expect(
                rows.first?["condition"] as? String == "failed"
                    && (rows.first?["detail"] as? String)?.contains("statement 2") == true,
                "the history records the failed statement: \(history.stdout)")
            let text = try fixture.deployctl(["deploy", Self.host, "--release", broken, "--dry-run"])
            #expect(text.stdout.contains("0010_broken_probe"), "\(text.stdout)")
            let status = try fixture.deployctl(["status", Self.host])
            #expect(status.stdout.contains(first), "\(status.stdout)")

            let fixed = try Self.release(
                fixture,
                migrations: RollbackTests.view.merging([
                    "0010_broken_probe.up.sql": table + "ALTER TABLE broken_probe ADD COLUMN IF NOT EXISTS y UInt8;\n",
                    "0010_broken_probe.down.sql": down,
                ]) { $1 })
            try await Self.endsClean(fixture, next: fixed)
            let resumed = try await RollbackTests().exists("broken_probe")
            #expect(resumed)
        } catch {
            Issue.record(error)
        }
        await fixture.cleanup()
    }

    @Test(
        "a unit that does not start after the switch: the deploy rolls back by itself, the old units, timer and current are back and the loader runs again from the old release"
    )
    func unitThatDoesNotStart() async throws {
        let fixture = try await Self.fixture()
        do {
            let earlier = try Self.deployFirst(fixture)
            let first = try Self.release(fixture, marked: "before-broken-unit")
            let deployed = try fixture.deployctl(["deploy", Self.host, "--release", first])
            #expect(deployed.status == 0, "\(deployed.stdout)\(deployed.stderr)")
            let started = try await fixture.run(
                "systemctl show qtickets_api.service -p ExecMainStartTimestampMonotonic --value")
            let broken = try Self.release(fixture, units: ["qtickets_healthcheck.service": Self.pre("/bin/false")])
            let failed = try fixture.deployctl(["deploy", Self.host, "--release", broken])
            #expect(failed.status == 1, "\(failed.stdout)\(failed.stderr)")
            let lines = failed.stdout.split(separator: "\n").map(String.init)
            #expect(
                lines.first?.hasPrefix("deploy of \(broken) to \(Self.host) failed after") == true,
                "the headline of a failed deploy says so: \(failed.stdout)")
            #expect(lines.contains { $0.hasPrefix("rolled back automatically to \(first)") }, "\(failed.stdout)")
            #expect(failed.stdout.contains("qtickets_healthcheck.service"), "\(failed.stdout)")
            #expect(try await Self.current(fixture) == "releases/\(first)")
            // The failed release is the host's previous one now; status and rollback pass over it.
            let status = try fixture.deployctl(["--json", "status", Self.host])
            let hostStatus = (DeployTests.result(status)["hosts"] as? [[String: Any]])?.first ?? [:]
            #expect(
                hostStatus["previous"] as? String == broken && hostStatus["rollbackTo"] as? String == earlier,
                "\(status.stdout)")
            let shown = try fixture.deployctl(["status", Self.host]).stdout
            #expect(shown.contains("rollback to") && shown.contains(earlier), "\(shown)")
            #expect(
                try await fixture.run("grep -c ExecStartPre /etc/systemd/system/qtickets_healthcheck.service || true")
                    == "0\n")
            #expect(
                try await fixture.run("systemctl is-active qtickets_api.timer qtickets_healthcheck.service")
                    == "active\nactive\n")
            let after = try await fixture.run(
                "systemctl show qtickets_api.service -p ExecMainStartTimestampMonotonic --value")
            let result = try await fixture.run("systemctl show qtickets_api.service -p Result --value")
            #expect(
                after != started && result == "success\n", "the rollback's check ran the old release's loader again")
            #expect(
                try await fixture.run("[ -e /opt/zakaz_dashboard/shared/watchdog/state ] && echo armed || echo idle")
                    == "idle\n")
            let back = try fixture.deployctl(["--json", "rollback", Self.host, "--yes"])
            #expect(back.status == 0, "\(back.stdout)\(back.stderr)")
            #expect(try await Self.current(fixture) == "releases/\(earlier)", "rollback went past the failed release")
            try await Self.endsClean(fixture, next: try Self.release(fixture, marked: "after-unit"))
        } catch {
            Issue.record(error)
        }
        await fixture.cleanup()
    }

    @Test(
        "a loader unit whose condition fails after the switch runs nothing, which systemd's previous Result=success hides: the post-check says so and the deploy rolls back"
    )
    func loaderThatRunsNothing() async throws {
        let fixture = try await Self.fixture()
        do {
            let first = try Self.deployFirst(fixture)
            let idle = try Self.release(
                fixture,
                units: [
                    "qtickets_api.service": {
                        $0.replacingOccurrences(of: "[Unit]\n", with: "[Unit]\nConditionPathExists=/nonexistent\n")
                    }
                ])
            let failed = try fixture.deployctl(["deploy", Self.host, "--release", idle])
            #expect(
                failed.status == 1 && failed.stdout.contains("systemctl start ran nothing"),
                "\(failed.stdout)\(failed.stderr)")
            #expect(try await Self.current(fixture) == "releases/\(first)")
            #expect(
                try await fixture.run("grep -c ConditionPathExists /etc/systemd/system/qtickets_api.service || true")
                    == "0\n", "the old unit is back")
            try await Self.endsClean(fixture, next: try Self.release(fixture, marked: "after-idle"))
        } catch {
            Issue.record(error)
        }
        await fixture.cleanup()
    }

    @Test(
        "the host key changed between the plan and the deploy: refused with the new fingerprint, nothing on the host changes"
    )
    func hostKeyChanged() async throws {
        let fixture = try await Self.fixture()
        do {
            let first = try Self.deployFirst(fixture)
            let next = try Self.release(fixture, marked: "host-key")
            let plan = try fixture.deployctl(["deploy", Self.host, "--release", next, "--dry-run"])
            #expect(plan.status == 0, "\(plan.stdout)\(plan.stderr)")
            let before = try await fixture.run(
                "ls /opt/zakaz_dashboard/releases; ls /opt/zakaz_dashboard/shared; stat -c %Y /etc/systemd/system/qtickets_*"
            )
            _ = try await fixture.run(
                "mkdir -p /root/hostkeys.saved && mv /etc/ssh/ssh_host_* /root/hostkeys.saved/ && ssh-keygen -A >/dev/null && systemctl reload ssh"
            )
            let refused = try fixture.deployctl(["deploy", Self.host, "--release", next])
            _ = try await fixture.run(
                "rm -f /etc/ssh/ssh_host_* && mv /root/hostkeys.saved/* /etc/ssh/ && rmdir /root/hostkeys.saved && systemctl reload ssh"
            )
            #expect(refused.status == 3, "\(refused.stdout)\(refused.stderr)")
            #expect(refused.stderr.contains("SHA256:"), "the new key's fingerprint is shown: \(refused.stderr)")
            #expect(
                try await fixture.run(
                    "ls /opt/zakaz_dashboard/releases; ls /opt/zakaz_dashboard/shared; stat -c %Y /etc/systemd/system/qtickets_*"
                ) == before)
            #expect(try await Self.current(fixture) == "releases/\(first)")
            try await Self.endsClean(fixture, next: next)
        } catch {
            Issue.record(error)
        }
        _ = try? await fixture.run(
            "if [ -d /root/hostkeys.saved ]; then rm -f /etc/ssh/ssh_host_*; mv /root/hostkeys.saved/* /etc/ssh/; rmdir /root/hostkeys.saved; systemctl reload ssh; fi"
        )
        await fixture.cleanup()
    }

    @Test(
        "an audit entry the host cannot write after a deploy is not swallowed: the deploy stands and its report says the entry is not recorded, for people and in JSON"
    )
    func auditEntryNotWritten() async throws {
        let fixture = try await Self.fixture()
        do {
            _ = try Self.deployFirst(fixture)
            let log = "/opt/zakaz_dashboard/shared/audit.jsonl"
            _ = try await fixture.run("mv \(log) \(log).kept && mkdir \(log)")
            let second = try Self.release(fixture, marked: "unaudited")
            let deployed = try fixture.deployctl(["deploy", Self.host, "--release", second])
            #expect(
                deployed.status == 0 && deployed.stdout.contains("audit entry not recorded: ")
                    && deployed.stdout.contains("appending to the audit log"), "\(deployed.stdout)\(deployed.stderr)")
            #expect(try await Self.current(fixture) == "releases/\(second)")
            let third = try Self.release(fixture, marked: "unaudited-json")
            let json = try fixture.deployctl(["--json", "deploy", Self.host, "--release", third])
            let hosts = (DeployTests.result(json)["hosts"] as? [[String: Any]]) ?? []
            #expect(
                json.status == 0 && (hosts.first?["audit"] as? String)?.hasPrefix("not recorded: ") == true,
                "\(json.stdout)")
            _ = try await fixture.run("rmdir \(log) && mv \(log).kept \(log)")
            let status = try fixture.deployctl(["status", Self.host])
            #expect(
                status.stdout.contains("no successful deploy of this release in the host's audit log"),
                "status shows the gap: \(status.stdout)")
            try await Self.endsClean(fixture, next: try Self.release(fixture, marked: "audited-again"))
            #expect(!(try fixture.deployctl(["status", Self.host]).stdout.contains("no successful deploy")))
        } catch {
            Issue.record(error)
        }
        await fixture.cleanup()
    }

    @Test("a disk too full for the release: refused before anything changes, with the free space shown")
    func diskFull() async throws {
        let fixture = try await Self.fixture()
        do {
            let first = try Self.deployFirst(fixture)
            let next = try Self.release(fixture, marked: "disk-full")
            let plan = try fixture.deployctl(["--json", "deploy", Self.host, "--release", next, "--dry-run"])
            let needed = ((DeployTests.result(plan)["hosts"] as? [[String: Any]])?.first?["neededBytes"] as? Int) ?? 0
            #expect(needed > 0, "\(plan.stdout)")
            // A small file system under releases/ that holds the current release and a quarter of what the new one needs.
            _ = try await fixture.run(
                """
                cd /opt/zakaz_dashboard && size=$(( $(du -sb releases | cut -f1) + \(needed / 4) ))
                mv releases releases.saved && mkdir releases && mount -t tmpfs -o size=$size deployctl-test-full releases && cp -a releases.saved/. releases/
                """)
            let refused = try fixture.deployctl(["deploy", Self.host, "--release", next])
            _ = try await fixture.run(
                "cd /opt/zakaz_dashboard && umount releases && rmdir releases && mv releases.saved releases")
            #expect(refused.status == 1, "\(refused.stdout)\(refused.stderr)")
            let said = refused.stdout + refused.stderr
            #expect(
                said.contains("MiB free under /opt/zakaz_dashboard/releases") && said.contains("nothing was changed"),
                "\(said)")
            #expect(try await Self.current(fixture) == "releases/\(first)")
            try await Self.endsClean(fixture, next: next)
        } catch {
            Issue.record(error)
        }
        _ = try? await fixture.run(
            "cd /opt/zakaz_dashboard && if [ -d releases.saved ]; then umount releases; rmdir releases; mv releases.saved releases; fi"
        )
        await fixture.cleanup()
    }

    @Test("two workstations deploy at once: one proceeds, the other is refused naming it")
    func twoWorkstations() async throws {
        let fixture = try await Self.fixture()
        do {
            _ = try Self.deployFirst(fixture)
            let slow = try Self.release(fixture, units: ["qtickets_api.service": Self.pre("/bin/sleep 8")])
            let other = try Self.release(fixture, marked: "bob")
            let alice = try Background(fixture, ["deploy", Self.host, "--release", slow], user: "alice")
            #expect(
                try await Self.await(
                    "grep -q alice@ /opt/zakaz_dashboard/shared/deploy.lock 2>/dev/null", on: fixture, seconds: 60))
            let bob = try fixture.deployctl(["deploy", Self.host, "--release", other], extra: ["USER": "bob"])
            let (status, text) = alice.finish()
            #expect(
                bob.status == 4 && (bob.stdout + bob.stderr).contains("another deploy holds the lock: alice@"),
                "\(bob.stdout)\(bob.stderr)")
            #expect(status == 0, "\(text)")
            #expect(try await Self.current(fixture) == "releases/\(slow)")
            try await Self.endsClean(fixture, next: other)
        } catch {
            Issue.record(error)
        }
        await fixture.cleanup()
    }

    @Test(
        "rollback_migrations = \"never\": the automatic rollback restores the release and units and leaves the schema, saying so"
    )
    func schemaLeftByPolicy() async throws {
        let fixture = try await DeployFixture { $0 + "\n[deploy]\nrollback_migrations = \"never\"\n" }
        do {
            let first = try Self.deployFirst(fixture)
            let failing = try Self.release(
                fixture, migrations: RollbackTests.view, units: ["qtickets_api.service": Self.pre("/bin/false")])
            let failed = try fixture.deployctl(["--json", "deploy", Self.host, "--release", failing])
            #expect(failed.status == 1, "\(failed.stdout)\(failed.stderr)")
            let rollback = (DeployTests.result(failed)["rollback"] as? [String: Any]) ?? [:]
            #expect(
                rollback["to"] as? String == first && rollback["failure"] == nil
                    && (rollback["note"] as? String)?.contains("rollback_migrations = \"never\"") == true,
                "\(failed.stdout)")
            #expect(!(PlanStepLines.of(rollback["taken"]) ?? []).contains { $0.hasPrefix("migrate-down") })
            #expect(try await Self.current(fixture) == "releases/\(first)")
            let viewKept = try await RollbackTests().exists("v_rollback_probe")
            #expect(viewKept, "the schema stays as the failed deploy left it")
            try await Self.endsClean(fixture, next: try Self.release(fixture, migrations: RollbackTests.view))
        } catch {
            Issue.record(error)
        }
        await fixture.cleanup()
    }
}
