import ClickHouse
import Foundation
import QTicketsSimulator
import SSH
import Testbed
import Testing

/// `release build`, `setup`, `secrets push`, `deploy`, `status` and `audit` as a user runs them, on
/// the testbed host prod2 (real sshd and systemd, its own ClickHouse), with the simulator as the
/// QTickets API. The environment file is the testbed's museshow file pointed at prod2; releases go
/// to a store of the test's own. Everything the test puts on prod2 is removed at the end.
@Suite("deployctl deploy on a testbed host", .serialized)
struct DeployTests {
    static let host = "prod2"

    static func result(_ run: DeployctlRun) -> [String: Any] { (run.result as? [String: Any]) ?? [:] }

    @Test(
        "a fresh host: setup, secrets push, deploy; the timer's loader loads, the healthcheck answers; a no-op redeploy touches nothing; status and audit tell the truth"
    )
    func freshHostToRunningPipeline() async throws {
        let fixture = try await DeployFixture()
        do {
            try await walkThrough(fixture)
        } catch {
            Issue.record(error)
        }
        await fixture.cleanup()
    }

    private func walkThrough(_ fixture: DeployFixture) async throws {
        let host = Self.host
        let built = try fixture.deployctl([
            "--json", "release", "build", "--allow-dirty", "--checkout", Testbed.repository.path,
        ])
        #expect(built.status == 0, "\(built.stdout)\(built.stderr)")
        let first = try #require((Self.result(built)["manifest"] as? [String: Any])?["id"] as? String)
        let again = try fixture.deployctl([
            "--json", "release", "build", "--allow-dirty", "--checkout", Testbed.repository.path,
        ])
        #expect(Self.result(again)["status"] as? String == "already-built", "the same content is the same release")

        let setup = try fixture.deployctl(["setup", host])
        #expect(
            setup.status == 0 && setup.stdout.contains("created /opt/zakaz_dashboard/releases"),
            "\(setup.stdout)\(setup.stderr)")
        #expect(try fixture.deployctl(["setup", host]).stdout.contains("nothing changed"), "setup is idempotent")

        let refused = try fixture.deployctl([
            "secrets", "push", host, "--from", fixture.envFile(without: "QTICKETS_TOKEN"),
        ])
        #expect(refused.status == 1 && refused.stdout.contains("QTICKETS_TOKEN"), "\(refused.stdout)")
        let pushed = try fixture.deployctl(["secrets", "push", host, "--from", fixture.envFile()])
        #expect(pushed.status == 0, "\(pushed.stdout)\(pushed.stderr)")
        #expect(!pushed.stdout.contains(fixture.token), "a value is never printed")

        let plan = try fixture.deployctl(["--json", "deploy", host, "--dry-run"])
        #expect(plan.status == 0, "\(plan.stdout)\(plan.stderr)")
        let planned = try #require(PlanStepLines.of(Self.result(plan)["actions"]))
        #expect(try await fixture.run("ls /opt/zakaz_dashboard/releases").isEmpty, "a dry run changes nothing")

        let deployed = try fixture.deployctl(["--json", "deploy", host])
        #expect(deployed.status == 0, "\(deployed.stdout)\(deployed.stderr)")
        #expect(
            PlanStepLines.of(Self.result(deployed)["taken"]) == planned, "the deploy took exactly the planned steps")

        let service = try await fixture.run("systemctl show qtickets_api.service -p Result -p User -p ExecMainStatus")
        #expect(
            Set(service.split(separator: "\n")) == ["Result=success", "User=etl", "ExecMainStatus=0"],
            "the post-deploy run, as etl: \(service)")
        let journal = try await fixture.run("journalctl -u qtickets_api.service -o cat --no-pager")
        #expect(
            journal.contains("event=run.finish") && journal.contains("status=ok") && !journal.contains(fixture.token))
        #expect(
            try await fixture.run(
                "systemctl is-enabled qtickets_api.timer; systemctl is-active qtickets_api.timer qtickets_healthcheck.service"
            )
                == "enabled\nactive\nactive\n")
        let health = try await fixture.run(
            "set -a; . /opt/zakaz_dashboard/secrets/.env.qtickets_api; /opt/zakaz_dashboard/current/bin/qtickets-api healthcheck --json"
        )
        #expect(health.contains("\"status\" : \"ok\"") || health.contains("\"status\":\"ok\""), "\(health)")

        // A no-op redeploy: no unit written, no restart.
        let before = try await fixture.run(
            "stat -c %Y /etc/systemd/system/qtickets_*; systemctl show qtickets_healthcheck.service -p ActiveEnterTimestampMonotonic --value"
        )
        let noop = try fixture.deployctl(["--json", "deploy", host])
        #expect(noop.status == 0 && PlanStepLines.of(Self.result(noop)["taken"]) == [], "\(noop.stdout)")
        #expect(
            try await fixture.run(
                "stat -c %Y /etc/systemd/system/qtickets_*; systemctl show qtickets_healthcheck.service -p ActiveEnterTimestampMonotonic --value"
            ) == before)

        // Only the binary changes: the healthcheck, which runs it, restarts; no unit is written.
        let binary = try fixture.directory.variant(
            of: Testbed.repository.appendingPathComponent(".build/static/qtickets-api").path, marked: "deploy-test")
        let second = try fixture.deployctl(
            ["--json", "release", "build", "--checkout", Testbed.repository.path, "--allow-dirty", "--binary", binary])
        let secondID = try #require((Self.result(second)["manifest"] as? [String: Any])?["id"] as? String)
        let binaryOnly = try fixture.deployctl(["--json", "deploy", host, "--release", secondID])
        let steps = PlanStepLines.of(Self.result(binaryOnly)["taken"]) ?? []
        #expect(
            binaryOnly.status == 0 && steps.contains("restart \(host) qtickets_healthcheck.service"),
            "\(binaryOnly.stdout)\(binaryOnly.stderr)")
        #expect(!steps.contains { $0.hasPrefix("install-unit") || $0.hasPrefix("daemon-reload") }, "\(steps)")
        #expect(
            try await fixture.run("stat -c %Y /etc/systemd/system/qtickets_*").split(separator: "\n")
                == before.split(separator: "\n").dropLast())

        // A unit that changes: the plan shows its diff; the deploy installs it.
        let edited = try fixture.checkout { path in
            let timer = path + "/systemd/qtickets_api.timer"
            try String(contentsOfFile: timer, encoding: .utf8).replacingOccurrences(
                of: "RandomizedDelaySec=60", with: "RandomizedDelaySec=90"
            )
            .write(toFile: timer, atomically: true, encoding: .utf8)
        }
        let third = try fixture.deployctl(["--json", "release", "build", "--checkout", edited, "--binary", binary])
        let thirdID = try #require((Self.result(third)["manifest"] as? [String: Any])?["id"] as? String)
        let diffPlan = try fixture.deployctl(["deploy", host, "--release", thirdID, "--dry-run"])
        #expect(
            diffPlan.stdout.contains("-RandomizedDelaySec=60") && diffPlan.stdout.contains("+RandomizedDelaySec=90"),
            "\(diffPlan.stdout)")
        #expect(try fixture.deployctl(["deploy", host, "--release", thirdID]).status == 0)
        #expect(
            try await fixture.run("systemctl show qtickets_api.timer -p RandomizedDelayUSec --value") == "1min 30s\n")

        // A missing variable in the host's env file refuses the next deploy by name; nothing switches.
        _ = try await fixture.run("sed -i '/^QTICKETS_TOKEN=/d' /opt/zakaz_dashboard/secrets/.env.qtickets_api")
        let missing = try fixture.deployctl(["deploy", host, "--release", first])
        #expect(
            missing.status == 1 && missing.stdout.contains("QTICKETS_TOKEN") && !missing.stdout.contains(fixture.token),
            "\(missing.stdout)\(missing.stderr)")
        #expect(try await fixture.run("readlink /opt/zakaz_dashboard/current") == "releases/\(thirdID)\n")
        #expect(try fixture.deployctl(["secrets", "push", host, "--from", fixture.envFile()]).status == 0)

        // A release file altered after signing, and a release signed by a key the host does not trust, are refused on the host.
        let fourth = try fixture.deployctl(
            [
                "--json", "release", "build", "--checkout", Testbed.repository.path, "--allow-dirty", "--binary",
                try fixture.directory.variant(of: binary, marked: "four"),
            ])
        let fourthID = try #require((Self.result(fourth)["manifest"] as? [String: Any])?["id"] as? String)
        let file = try #require(
            FileHandle(forWritingAtPath: fixture.directory.file("releases/\(fourthID)/bin/qtickets-api")))
        try file.seekToEnd()
        try file.write(contentsOf: Data("altered".utf8))
        try file.close()
        let altered = try fixture.deployctl(["deploy", host, "--release", fourthID])
        #expect(
            altered.status == 1 && altered.stdout.contains("does not hash to its name"),
            "\(altered.stdout)")
        #expect(
            try await fixture.run("ls /opt/zakaz_dashboard/releases; readlink /opt/zakaz_dashboard/current").contains(
                fourthID) == false)
        let untrusted = try fixture.deployctl(
            [
                "--json", "release", "build", "--checkout", Testbed.repository.path, "--allow-dirty", "--binary",
                try fixture.directory.variant(of: binary, marked: "five"),
            ],
            extra: ["DEPLOYCTL_SIGNING_KEY": Testbed.directory + "/keys/release_untrusted_ed25519"])
        let untrustedID = try #require((Self.result(untrusted)["manifest"] as? [String: Any])?["id"] as? String)
        let stranger = try fixture.deployctl(["deploy", host, "--release", untrustedID])
        #expect(
            stranger.status == 1 && stranger.stdout.contains("is not from a trusted release key"),
            "\(stranger.stdout)")
        #expect(try await fixture.run("readlink /opt/zakaz_dashboard/current") == "releases/\(thirdID)\n")

        // Another deploy holding the lock: refused at once, naming it; lock break ends it.
        _ = try await fixture.run(
            #"printf '{"command":"deploy","id":"other","owner":"alice@laptop","pid":4242,"release":"r0","started":%s,"expires":%s}\n' "$(date +%s)" "$(($(date +%s) + 600))" > /opt/zakaz_dashboard/shared/deploy.lock"#
        )
        let locked = try fixture.deployctl(["deploy", host, "--release", first])
        #expect(
            locked.status == 4 && (locked.stdout + locked.stderr).contains("alice@laptop"),
            "\(locked.stdout)\(locked.stderr)")
        let lockStatus = try fixture.deployctl([
            "lock", "status", host, "--migrations", PipelineDatabase.migrationsDirectory,
        ])
        #expect(lockStatus.stdout.contains("held by run other of alice@laptop"), "\(lockStatus.stdout)")
        // A break for a run that no longer holds the lock leaves it, says who holds it, exit 4.
        let stale = try fixture.deployctl([
            "lock", "break", host, "--reason", "bob's run died", "--holder", "bob-run", "--migrations",
            PipelineDatabase.migrationsDirectory,
        ])
        #expect(
            stale.status == 4 && stale.stdout.contains("NOT broken: it is held now by run other of alice@laptop"),
            "\(stale.stdout)\(stale.stderr)")
        #expect(try await fixture.run("grep -c alice /opt/zakaz_dashboard/shared/deploy.lock") == "1\n")
        #expect(
            try fixture.deployctl([
                "lock", "break", host, "--reason", "alice's laptop died", "--holder", "other", "--migrations",
                PipelineDatabase.migrationsDirectory,
            ]).status == 0)

        // Back to the first release; status tells the truth, then an edited unit shows.
        let back = try fixture.deployctl(["--json", "deploy", host, "--release", first])
        #expect(back.status == 0, "\(back.stdout)\(back.stderr)")
        let status = try fixture.deployctl([
            "--json", "status", host, "--migrations", PipelineDatabase.migrationsDirectory,
        ])
        let hostStatus = try #require((Self.result(status)["hosts"] as? [[String: Any]])?.first)
        #expect(
            status.status == 0 && hostStatus["current"] as? String == first
                && hostStatus["previous"] as? String == thirdID, "\(status.stdout)")
        #expect((Self.result(status)["lastRun"] as? [String: Any])?["release"] as? String == first)
        _ = try await fixture.run("echo '# edited by hand' >> /etc/systemd/system/qtickets_api.timer")
        let drifted = try fixture.deployctl(["status", host, "--migrations", PipelineDatabase.migrationsDirectory])
        #expect(drifted.status == 1 && drifted.stdout.contains("edited on the host"), "\(drifted.stdout)")

        // The audit trail: intact, then an edited and a deleted entry are found.
        let audit = try fixture.deployctl(["audit", "verify", host])
        #expect(audit.status == 0 && audit.stdout.contains("chain intact"), "\(audit.stdout)\(audit.stderr)")
        _ = try await fixture.run(#"sed -i '2s/"result":"ok"/"result":"OK"/' /opt/zakaz_dashboard/shared/audit.jsonl"#)
        let edit = try fixture.deployctl(["audit", "verify", host])
        #expect(
            edit.status == 1 && edit.stdout.contains("entry 2 on the host differs from ClickHouse's copy"),
            "\(edit.stdout)")
        _ = try await fixture.run("sed -i '$d' /opt/zakaz_dashboard/shared/audit.jsonl")
        #expect(
            try fixture.deployctl(["audit", "verify", host]).stdout.contains("is in ClickHouse but not on the host"))
    }

    @Test(
        "deploy through sudo -n as a non-root SSH user; without the sudo right it stops before any change, naming the command"
    )
    func throughSudo() async throws {
        let fixture = try await DeployFixture {
            $0.replacingOccurrences(of: "user = \"root\"", with: "user = \"deployer\"\nbecome = \"sudo\"")
        }
        do {
            _ = try await fixture.run(
                """
                id -u deployer >/dev/null 2>&1 || useradd --create-home --shell /bin/bash deployer
                install -d -m 700 -o deployer -g deployer ~deployer/.ssh
                install -m 600 -o deployer -g deployer /root/.ssh/authorized_keys ~deployer/.ssh/authorized_keys
                rm -f /etc/sudoers.d/deployer
                """)
            let refused = try fixture.deployctl(["setup", Self.host])
            #expect(
                refused.status == 1 && refused.stdout.contains("`sudo -n` refused to run host script `host-setup`")
                    && refused.stdout.contains("NOPASSWD"), "\(refused.stdout)\(refused.stderr)")
            #expect(
                try await fixture.run("[ -e /opt/zakaz_dashboard ] && echo exists || echo absent") == "absent\n",
                "nothing changed")

            _ = try await fixture.run(
                "echo 'deployer ALL=(root) NOPASSWD: ALL' > /etc/sudoers.d/deployer && chmod 440 /etc/sudoers.d/deployer"
            )
            #expect(
                try fixture.deployctl(["release", "build", "--allow-dirty", "--checkout", Testbed.repository.path])
                    .status == 0)
            let setup = try fixture.deployctl(["setup", Self.host])
            #expect(setup.status == 0, "\(setup.stdout)\(setup.stderr)")
            let pushed = try fixture.deployctl(["secrets", "push", Self.host, "--from", fixture.envFile()])
            #expect(pushed.status == 0, "\(pushed.stdout)\(pushed.stderr)")
            let deployed = try fixture.deployctl(["deploy", Self.host])
            #expect(deployed.status == 0, "\(deployed.stdout)\(deployed.stderr)")
            #expect(
                try await fixture.run(
                    "stat -c '%U %a' /opt/zakaz_dashboard/secrets/.env.qtickets_api /etc/systemd/system/qtickets_api.service; systemctl show qtickets_api.service -p Result --value"
                )
                    == "root 640\nroot 644\nsuccess\n")
            #expect(
                try fixture.deployctl(["status", Self.host, "--migrations", PipelineDatabase.migrationsDirectory])
                    .status == 0)
        } catch {
            Issue.record(error)
        }
        _ = try? await fixture.run("rm -f /etc/sudoers.d/deployer; userdel --remove deployer 2>/dev/null; true")
        await fixture.cleanup()
    }

    @Test(
        "the SSH connection cut during the upload: the host stays on its release, nothing half-written is pointed at, the next deploy completes"
    )
    func connectionCutDuringUpload() async throws {
        let fixture = try await DeployFixture()
        do {
            let first = try Self.buildID(fixture, ["--checkout", Testbed.repository.path, "--allow-dirty"])
            #expect(try fixture.deployctl(["setup", Self.host]).status == 0)
            #expect(try fixture.deployctl(["secrets", "push", Self.host, "--from", fixture.envFile()]).status == 0)
            #expect(try fixture.deployctl(["deploy", Self.host, "--release", first]).status == 0)
            let binary = try fixture.directory.variant(
                of: Testbed.repository.appendingPathComponent(".build/static/qtickets-api").path, marked: "cut")
            let second = try Self.buildID(
                fixture, ["--checkout", Testbed.repository.path, "--allow-dirty", "--binary", binary])

            let deploy = try FaultTests.Background(fixture, ["deploy", Self.host, "--release", second])
            // Cut every SSH session but the test's own (the sshd process this script runs under) once
            // the upload is under way.
            let cut = try await fixture.run(
                """
                mine=$$
                while [ "$(ps -o comm= -p "$mine")" != sshd ]; do mine=$(ps -o ppid= -p "$mine" | tr -d ' '); done
                for attempt in $(seq 600); do
                  f=$(ls /opt/zakaz_dashboard/releases/..incoming-\(second).tar.deployctl-*.tmp 2>/dev/null | head -n 1)
                  if [ -n "$f" ] && [ "$(stat -c %s "$f")" -gt 1000000 ]; then
                    for p in $(ps -o pid=,args= -C sshd | awk '/@notty/ { print $1 }'); do [ "$p" = "$mine" ] || kill -9 "$p"; done
                    echo cut; exit 0
                  fi
                  sleep 0.05
                done
                echo never
                """)
            #expect(cut == "cut\n", "the upload was seen and cut")
            let (status, text) = deploy.finish()
            #expect(status == 3, "\(text)")
            #expect(text.contains("the host stays on its previous release"), "\(text)")
            #expect(try await fixture.run("readlink /opt/zakaz_dashboard/current") == "releases/\(first)\n")
            #expect(
                try await fixture.run("ls /opt/zakaz_dashboard/releases") == "\(first)\n",
                "no folder of the cut release")
            #expect(
                try await fixture.run("[ -e /opt/zakaz_dashboard/shared/deploy.lock ] && echo held || echo free")
                    == "free\n",
                "the cut deploy gave its lease back over a new connection")
            let tidy = try fixture.deployctl(["setup", Self.host])
            #expect(tidy.stdout.contains("removed the unfinished upload"), "\(tidy.stdout)")
            let again = try fixture.deployctl(["deploy", Self.host, "--release", second])
            #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        } catch {
            Issue.record(error)
        }
        await fixture.cleanup()
    }

    @Test("two hosts: one after the other, the deploy stops at the first failing host and says which release each runs")
    func stopsAtFirstFailingHost() async throws {
        let fixture = try await DeployFixture { text in
            text + "\n"
        }
        let second = fixture.testbed.host("client-prod")
        let file = fixture.environments + "/\(Self.host).toml"
        let original = try String(contentsOfFile: file, encoding: .utf8)
        let hostsEnd = try #require(
            original.range(
                of: "port = 22\n", options: [], range: original.range(of: "[[hosts]]")!.lowerBound..<original.endIndex))
        try
            (original[..<hostsEnd.upperBound]
            + "\n[[hosts]]\nname = \"client-prod\"\naddress = \"\(second.address)\"\nport = 22\n"
            + original[hostsEnd.upperBound...])
            .write(toFile: file, atomically: true, encoding: .utf8)
        let other = try fixture.testbed.connect(second)
        do {
            let release = try Self.buildID(fixture, ["--checkout", Testbed.repository.path, "--allow-dirty"])
            #expect(try fixture.deployctl(["setup", Self.host]).status == 0)
            #expect(
                try fixture.deployctl(["secrets", "push", Self.host, "--host", Self.host, "--from", fixture.envFile()])
                    .status == 0)
            let wide = try fixture.deployctl([
                "--json", "deploy", Self.host, "--release", release, "--dry-run", "--parallel", "2",
            ])
            let order = PlanStepLines.of(Self.result(wide)["actions"]) ?? []
            let firstSwitch = order.firstIndex { $0.hasPrefix("stop-timer") } ?? 0
            #expect(
                order.prefix(firstSwitch).contains("check-env client-prod")
                    && order.prefix(firstSwitch).contains("check-env \(Self.host)")
                    && order.prefix(firstSwitch).contains { $0.hasPrefix("migrate ") },
                "--parallel 2: both hosts checked and migrations run before any switch: \(order)")
            let deployed = try fixture.deployctl(["--json", "deploy", Self.host, "--release", release])
            #expect(deployed.status == 1, "\(deployed.stdout)\(deployed.stderr)")
            let hosts = (Self.result(deployed)["hosts"] as? [[String: Any]]) ?? []
            #expect(hosts.map { $0["host"] as? String } == [Self.host, "client-prod"])
            #expect(
                hosts.first?["release"] as? String == release && hosts.first?["result"] as? String == "ok", "\(hosts)")
            #expect(
                hosts.last?["result"] as? String == "failed"
                    && (hosts.last?["detail"] as? String)?.contains("still on its previous release") == true)
            #expect((Self.result(deployed)["failure"] as? String)?.contains("client-prod") == true)
            #expect(
                try await other.run(
                    "readlink /opt/zakaz_dashboard/current; systemctl is-enabled qtickets_api.timer 2>&1"
                ).stdoutText.contains("releases/") == false)
            #expect(
                try await fixture.run("systemctl is-enabled qtickets_api.timer") == "enabled\n",
                "the loader's timer runs on the ClickHouse host only")
            let parallel = try fixture.deployctl([
                "--json", "deploy", Self.host, "--release", release, "--parallel", "2",
            ])
            #expect(
                parallel.status == 1 && (Self.result(parallel)["failure"] as? String)?.contains("client-prod") == true,
                "\(parallel.stdout)")
            #expect(
                !(PlanStepLines.of(Self.result(parallel)["taken"]) ?? []).contains { $0.hasPrefix("switch") },
                "a failure before the switch phase stops every host")
        } catch {
            Issue.record(error)
        }
        _ = try? await other.run("rm -rf /opt/zakaz_dashboard; userdel etl 2>/dev/null; true")
        other.close()
        await fixture.cleanup()
    }

    @Test(
        "--parallel 2 over museshow and a light host whose ClickHouse is museshow's: both switch at once, then museshow's loader run fills the database before the light host's healthcheck reads it"
    )
    func parallelWaveChecksLoaderHostsFirst() async throws {
        let fixture = try await DeployFixture(host: "museshow")
        let light = try #require(
            fixture.testbed.hosts.first { $0.name == "fleet01" },
            "the testbed runs no light host: make test boots one (testbed/testbed.sh up --fleet 1)")
        let file = fixture.environments + "/museshow.toml"
        try String(contentsOfFile: file, encoding: .utf8).replacingOccurrences(
            of: "\n[app]", with: "\n[[hosts]]\nname = \"fleet01\"\naddress = \"\(light.address)\"\nport = 22\n\n[app]"
        ).write(toFile: file, atomically: true, encoding: .utf8)
        let other = try fixture.testbed.connect(light)
        _ = try await other.run(DeployTarget.removal)
        do {
            let release = try Self.buildID(fixture, ["--checkout", Testbed.repository.path, "--allow-dirty"])
            #expect(try fixture.deployctl(["setup", "museshow"]).status == 0)
            #expect(try fixture.deployctl(["secrets", "push", "museshow", "--from", fixture.envFile()]).status == 0)
            let deployed = try fixture.deployctl([
                "--json", "deploy", "museshow", "--release", release, "--parallel", "2",
            ])
            #expect(deployed.status == 0, "\(deployed.stdout)\(deployed.stderr)")
            let taken = PlanStepLines.of(Self.result(deployed)["taken"]) ?? []
            let switches = taken.indices.filter { taken[$0].hasPrefix("switch") }
            let checks = ["post-check museshow", "post-check fleet01"].map { taken.firstIndex(of: $0) }
            #expect(switches.count == 2, "\(taken)")
            #expect(
                checks[0] != nil && checks[1] != nil && checks[0]! < checks[1]!
                    && switches.allSatisfy { $0 < checks[0]! },
                "both switches, then the loader host's check, then the light host's: \(taken)")
            #expect(
                try await other.run(
                    "systemctl is-enabled qtickets_api.timer 2>&1; readlink /opt/zakaz_dashboard/current"
                )
                .stdoutText == "disabled\nreleases/\(release)\n", "the light host runs the release, not the loader")
            // verify passes on both; the light host's ClickHouse and loader checks are skipped, saying why.
            let verified = try fixture.deployctl([
                "--json", "verify", "museshow", "--output-dir", fixture.directory.file("reports"),
            ])
            #expect(verified.status == 0, "\(verified.stdout.prefix(3000))")
            let lightChecks =
                ((Self.result(verified)["hosts"] as? [[String: Any]])?.first { $0["host"] as? String == "fleet01" }?[
                    "checks"] as? [[String: Any]]) ?? []
            let unit = lightChecks.first { $0["id"] as? String == "environment.clickhouse-unit" }
            #expect(
                unit?["outcome"] as? String == "skip"
                    && "\(unit?["found"] ?? "")".contains(
                        "fleet01 does not run ClickHouse (the [clickhouse] host is museshow)"),
                "\(unit ?? [:])")
        } catch {
            Issue.record(error)
        }
        _ = try? await other.run(DeployTarget.removal)
        other.close()
        await fixture.cleanup()
    }

    static func buildID(_ fixture: DeployFixture, _ arguments: [String]) throws -> String {
        let built = try fixture.deployctl(["--json", "release", "build"] + arguments)
        return try #require(
            (result(built)["manifest"] as? [String: Any])?["id"] as? String, "\(built.stdout)\(built.stderr)")
    }
}
