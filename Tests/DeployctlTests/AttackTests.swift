import ClickHouse
import Foundation
import HTTPServer
import NIOConcurrencyHelpers
import QTicketsSimulator
import SSH
import Testbed
import Testing

/// The threat model, performed on a testbed host (prod2) as root on that host would: each test
/// plants what a compromised or careless host could, runs deployctl from a workstation, and shows
/// the attack refused with nothing done. docs/security.md names the defence each one proves.
@Suite("Attacks by a compromised host, hostile values and the pipeline's own credentials", .serialized)
struct AttackTests {
    static let host = DeployFixture.host
    static let root = "/opt/zakaz_dashboard"

    /// Two releases deployed in turn (`first`, then `second` with a migration that has a down).
    static func deployedPair(_ fixture: DeployFixture) throws -> (first: String, second: String) {
        let first = try RollbackTests.release(fixture, migrations: [:])
        let second = try RollbackTests.release(fixture, migrations: RollbackTests.view)
        #expect(try fixture.deployctl(["setup", host]).status == 0)
        #expect(try fixture.deployctl(["secrets", "push", host, "--from", fixture.envFile()]).status == 0)
        for release in [first, second] {
            let deployed = try fixture.deployctl(["deploy", host, "--release", release])
            #expect(deployed.status == 0, "\(deployed.stdout)\(deployed.stderr)")
        }
        return (first, second)
    }

    /// A workstation that did not build the releases: an empty store of its own.
    static func otherWorkstation(_ fixture: DeployFixture) throws -> [String: String] {
        let store = fixture.directory.file("other-workstation-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
        return ["DEPLOYCTL_RELEASES": store]
    }

    @Test(
        "rollback from a workstation that did not build the release: the host's copy is accepted only signed and re-hashed; a tampered down migration, unit, SHA256SUMS or manifest id is refused and nothing runs"
    )
    func hostCopyOfReleaseIsCheckedBeforeRollback() async throws {
        let fixture = try await DeployFixture()
        do {
            let (first, second) = try Self.deployedPair(fixture)
            let other = try Self.otherWorkstation(fixture)
            let planned = try fixture.deployctl(["rollback", Self.host, "--dry-run"], extra: other)
            #expect(
                planned.status == 0 && planned.stdout.contains("migrate-down 0009_probe_view"),
                "an untampered copy passes: \(planned.stdout)\(planned.stderr)")

            // Each tampering in turn, undone after: the rollback is refused naming what is wrong.
            let down = "\(Self.root)/releases/\(second)/migrations/0009_probe_view.down.sql"
            let unit = "\(Self.root)/releases/\(first)/systemd/qtickets_api.service"
            let sums = "\(Self.root)/releases/\(first)/SHA256SUMS"
            let manifest = "\(Self.root)/releases/\(first)/manifest.json"
            let attacks: [(name: String, file: String, edit: String, refusal: String)] = [
                (
                    "tampered down migration", down, "echo 'DROP TABLE zakaz.fact_orders;' >> '\(down)'",
                    "does not match"
                ),
                ("tampered unit", unit, "echo 'ExecStartPre=/bin/touch /tmp/pwned' >> '\(unit)'", "does not match"),
                (
                    "SHA256SUMS listing ../../x", sums,
                    "echo '\(String(repeating: "0", count: 64))  migrations/../../../../tmp/pwned' >> '\(sums)'",
                    "SHA256SUMS.sig"
                ),
                (
                    "manifest id of shell text", manifest,
                    "sed -i 's/\"id\" : \"\(first)\"/\"id\" : \"x; touch \\/tmp\\/pwned\"/' '\(manifest)'",
                    "does not match"
                ),
            ]
            for attack in attacks {
                _ = try await fixture.run("cp -p '\(attack.file)' '\(attack.file).orig' && \(attack.edit)")
                let refused = try fixture.deployctl(["rollback", Self.host, "--yes"], extra: other)
                #expect(
                    refused.status != 0 && refused.stderr.contains("is refused")
                        && refused.stderr.contains(attack.refusal),
                    "\(attack.name): \(refused.stdout)\(refused.stderr)")
                #expect(
                    try await fixture.run("readlink \(Self.root)/current") == "releases/\(second)\n",
                    "\(attack.name): nothing changed")
                _ = try await fixture.run("mv -f '\(attack.file).orig' '\(attack.file)'")
            }
            let copies = try FileManager.default.contentsOfDirectory(
                atPath: FileManager.default.temporaryDirectory.path
            )
            .filter { $0.hasPrefix("deployctl-release-\(first)") || $0.hasPrefix("deployctl-release-\(second)") }
            #expect(copies.isEmpty, "refused copies are removed: \(copies)")
            #expect(try await fixture.run("test -e /tmp/pwned && echo pwned || echo clean") == "clean\n")
        } catch {
            Issue.record(error)
        }
        await fixture.cleanup()
    }

    @Test(
        "verify from a workstation that did not build the release refuses the host's copy when a smoke check was weakened and its SHA256SUMS line rewritten to match"
    )
    func verifyRefusesHostCopyWithRewrittenChecksums() async throws {
        let fixture = try await DeployFixture()
        do {
            let (_, second) = try Self.deployedPair(fixture)
            let folder = "\(Self.root)/releases/\(second)"
            let check = "checks/smoke/no_negative_amounts.sql"
            let rewritten = try await fixture.run(
                """
                cd '\(folder)' && cp -p SHA256SUMS SHA256SUMS.orig && cp -p '\(check)' smoke.orig
                echo 'SELECT 1 WHERE 0' > '\(check)'
                sed -i "s|^[0-9a-f]*  \(check)$|$(sha256sum '\(check)' | cut -d' ' -f1)  \(check)|" SHA256SUMS
                sha256sum --quiet -c SHA256SUMS && echo consistent
                """)
            #expect(rewritten == "consistent\n", "the forged SHA256SUMS matches every file: \(rewritten)")
            let refused = try fixture.deployctl(
                ["verify", Self.host, "--only", "smoke"], extra: try Self.otherWorkstation(fixture))
            #expect(
                refused.status != 0 && (refused.stdout + refused.stderr).contains("SHA256SUMS.sig"),
                "the rewritten SHA256SUMS no longer matches its signature: \(refused.stdout)\(refused.stderr)")
            _ = try await fixture.run(
                "cd '\(folder)' && mv -f SHA256SUMS.orig SHA256SUMS && mv -f smoke.orig '\(check)'")
        } catch {
            Issue.record(error)
        }
        await fixture.cleanup()
    }

    @Test("a host whose current release is named by shell text is refused by rollback before anything runs on it")
    func hostListingReleaseIdCannotBeShellText() async throws {
        let fixture = try await DeployFixture()
        do {
            _ = try Self.deployedPair(fixture)
            let hostile = "x;touch \\$HOME\\/pwned"
            _ = try await fixture.run(
                "cd \(Self.root) && mkdir -p 'releases/x;touch $HOME/pwned' && ln -sfn 'releases/x;touch $HOME/pwned' current"
            )
            let refused = try fixture.deployctl(["rollback", Self.host, "--yes"])
            #expect(
                refused.status != 0 && refused.stderr.contains("is not a release id"),
                "\(hostile): \(refused.stdout)\(refused.stderr)")
            #expect(try await fixture.run("test -e $HOME/pwned && echo pwned || echo clean") == "clean\n")
        } catch {
            Issue.record(error)
        }
        await fixture.cleanup()
    }

    @Test(
        "secrets in every form an env file may hold them (export, spaces, quotes, lower case, digits) on a host without `current`: verify prints none of them, in text, JSON, the report's Markdown, JSON and JUnit, the audit log or the notification"
    )
    func verifyNeverPrintsSecrets() async throws {
        let received = NIOLockedValueBox<[Data]>([])
        let server = try await HTTPServer.start(host: "127.0.0.1", port: 0) { request in
            received.withLockedValue { $0.append(Data(request.body)) }
            return HTTPResponse(status: 200, text: "{}")
        }
        let fixture = try await DeployFixture {
            $0 + "\n[notify]\nwebhook_url = \"http://127.0.0.1:\(server.port)/deployctl\"\n"
        }
        let secrets = ["tok-export-7431", "pw with spaces 5519", "single-quoted-9012", "lower-case-2284", "d1g1t-8830"]
        do {
            #expect(try fixture.deployctl(["setup", Self.host]).status == 0)
            // Written in place (not pushed: no release on the host checks it), readable by the app user.
            _ = try await fixture.run(
                """
                printf '%s\\n' 'export QTICKETS_TOKEN=\(secrets[0])' '  CLICKHOUSE_PASSWORD = "\(secrets[1])"' \\
                  "API_SECRET='\(secrets[2])'" 'db_password=\(secrets[3])' 'KEY2=\(secrets[4])' 'ORG_NAME=attack' \\
                  > /opt/zakaz_dashboard/secrets/.env.qtickets_api
                chgrp etl /opt/zakaz_dashboard/secrets/.env.qtickets_api; chmod 640 /opt/zakaz_dashboard/secrets/.env.qtickets_api
                """)
            // A loader that printed its settings, as a crashing program may: error lines in the
            // journal, which verify shows (automation.journal) once the secrets are taken out.
            _ = try await fixture.run(
                "systemd-run --quiet --wait --unit=qtickets_api.service -p SyslogLevel=err sh -c 'echo "
                    + secrets.map { "\"\($0)\"" }.joined(separator: " ") + "'")
            let reports = fixture.directory.file("reports")
            try FileManager.default.createDirectory(atPath: reports, withIntermediateDirectories: true)
            let text = try fixture.deployctl([
                "verify", Self.host, "--output-dir", reports, "--junit", reports + "/junit.xml",
            ])
            let json = try fixture.deployctl(["--json", "verify", Self.host, "--output-dir", reports])
            #expect(text.status != 0 && json.status != 0, "nothing is deployed: \(text.stdout)")
            #expect(
                json.stdout.contains("[redacted]"), "the journal's lines are shown, secrets taken out: \(json.stdout)")
            let files = try FileManager.default.contentsOfDirectory(atPath: reports).map {
                try String(contentsOfFile: reports + "/" + $0, encoding: .utf8)
            }
            #expect(files.count >= 3, "the report in Markdown and JSON, and the JUnit file")
            let audit = try await fixture.run("cat /opt/zakaz_dashboard/shared/audit.jsonl 2>/dev/null; true")
            let notifications = received.withLockedValue { $0 }.map { String(decoding: $0, as: UTF8.self) }
            #expect(notifications.count == 2, "\(notifications)")
            let everything = [text.stdout, text.stderr, json.stdout, json.stderr, audit] + files + notifications
            for secret in secrets {
                #expect(!everything.contains { $0.contains(secret) }, "\(secret) is printed somewhere")
            }
        } catch {
            Issue.record(error)
        }
        await fixture.cleanup()
        await server.stop()
    }

    @Test(
        "an env file whose token holds $ ` ' \" ; | > is never run as shell: secrets push and check, the deploy's post-check, verify's check-api and healthcheck pass and the loader loads with it; a second push checks it as the app user"
    )
    func hostileSecretValueDeploysVerifiesAndLoads() async throws {
        let token = "sim-a$b`id>/tmp/pwned`c'd\"e;f|g"
        let fixture = try await DeployFixture(token: token)
        do {
            let release = try RollbackTests.release(fixture, migrations: [:])
            #expect(try fixture.deployctl(["setup", Self.host]).status == 0)
            #expect(try fixture.deployctl(["secrets", "push", Self.host, "--from", fixture.envFile()]).status == 0)
            let deployed = try fixture.deployctl(["deploy", Self.host, "--release", release])
            #expect(deployed.status == 0, "\(deployed.stdout)\(deployed.stderr)")
            let checked = try fixture.deployctl(["secrets", "check", Self.host])
            #expect(checked.status == 0, "check-config as the app user accepts it: \(checked.stdout)\(checked.stderr)")
            let reports = fixture.directory.file("reports")
            try FileManager.default.createDirectory(atPath: reports, withIntermediateDirectories: true)
            let verified = try fixture.deployctl([
                "--json", "verify", Self.host, "--output-dir", reports, "--only", "load", "--only", "monitoring",
            ])
            let checks = ContainerTests.checks(verified)
            #expect(
                checks["load.check-api"]?.outcome == "pass" && checks["monitoring.healthcheck"]?.outcome == "pass",
                "\(checks)")
            #expect(
                try await fixture.run(
                    "systemctl show qtickets_api.service -p Result --value; test -e /tmp/pwned && echo pwned || echo clean"
                ) == "success\nclean\n")
            let again = try fixture.deployctl(["secrets", "push", Self.host, "--from", fixture.envFile()])
            #expect(
                again.status == 0, "checked by the release's loader as the app user: \(again.stdout)\(again.stderr)")
            let everything = verified.stdout + verified.stderr + deployed.stdout + deployed.stderr
            #expect(!everything.contains(token), "the token is never printed")
        } catch {
            Issue.record(error)
        }
        await fixture.cleanup()
    }

    @Test(
        "unit names a host lists under current/systemd/ that are shell text or options (backticks, $(…), `-rf.service`, a space) are refused by deploy --dry-run, and nothing runs"
    )
    func hostUnitNamesCannotBeShellText() async throws {
        let fixture = try await DeployFixture()
        do {
            let first = try RollbackTests.release(fixture, migrations: [:])
            let next = try RollbackTests.release(fixture, migrations: [:], failingLoader: true)
            #expect(try fixture.deployctl(["setup", Self.host]).status == 0)
            #expect(try fixture.deployctl(["secrets", "push", Self.host, "--from", fixture.envFile()]).status == 0)
            #expect(try fixture.deployctl(["deploy", Self.host, "--release", first]).status == 0)
            for name in ["a`touch pwned`.service", "$(touch pwned).service", "-rf.service", "b c.service"] {
                #expect(
                    try await fixture.run("cd \(Self.root)/current/systemd && : > './\(name)' && echo planted")
                        == "planted\n")
                let planned = try fixture.deployctl(["deploy", Self.host, "--release", next, "--dry-run"])
                #expect(
                    planned.status != 0 && planned.stderr.contains("is not a systemd unit name"),
                    "\(name): \(planned.stdout)\(planned.stderr)")
                _ = try await fixture.run("cd \(Self.root)/current/systemd && rm -f './\(name)'")
            }
            #expect(
                try await fixture.run("find / -xdev -name pwned 2>/dev/null | head -n 1; echo end") == "end\n",
                "nothing ran")
        } catch {
            Issue.record(error)
        }
        await fixture.cleanup()
    }

    @Test(
        "root on the host deleting ClickHouse's copy of the audit log cannot make `audit verify` pass on the host's copy alone"
    )
    func deletedClickHouseAuditCopyFailsVerify() async throws {
        let fixture = try await DeployFixture()
        do {
            #expect(try fixture.deployctl(["setup", Self.host]).status == 0)
            let intact = try fixture.deployctl(["audit", "verify", Self.host])
            #expect(intact.status == 0, "\(intact.stdout)\(intact.stderr)")
            let clickhouse = try ClickHouseServer.modern(on: Self.host)
            try await ClickHouseClient(endpoint: clickhouse.admin).execute("TRUNCATE TABLE deployctl.deployctl_audit")
            let gone = try fixture.deployctl(["audit", "verify", Self.host])
            #expect(
                gone.status == 1 && gone.stdout.contains("entry 1 is on the host but not in ClickHouse"),
                "\(gone.stdout)\(gone.stderr)")
        } catch {
            Issue.record(error)
        }
        await fixture.cleanup()
    }

    @Test(
        "root on the only host cuts the last audit entry from both copies, so the chain itself verifies: audit verify fails against the head this workstation saw"
    )
    func consistentlyCutAuditChainFailsAgainstAnchor() async throws {
        let fixture = try await DeployFixture()
        do {
            #expect(try fixture.deployctl(["setup", Self.host]).status == 0)
            let intact = try fixture.deployctl(["audit", "verify", Self.host])
            #expect(intact.status == 0, "\(intact.stdout)\(intact.stderr)")
            let log = "\(Self.root)/shared/audit.jsonl"
            let count = try #require(
                Int(try await fixture.run("wc -l < \(log)").trimmingCharacters(in: .whitespacesAndNewlines)))
            _ = try await fixture.run("sed -i '$d' \(log)")
            let clickhouse = try ClickHouseServer.modern(on: Self.host)
            try await ClickHouseClient(endpoint: clickhouse.admin).execute(
                "ALTER TABLE deployctl.deployctl_audit DELETE WHERE host = '\(Self.host)' AND seq = \(count) SETTINGS mutations_sync = 2"
            )
            let elsewhere = try fixture.deployctl(
                ["audit", "verify", Self.host], extra: ["DEPLOYCTL_STATE_DIR": fixture.directory.file("elsewhere")])
            #expect(
                elsewhere.status == 0, "a workstation that saw nothing finds the cut chain intact: \(elsewhere.stdout)")
            let cut = try fixture.deployctl(["audit", "verify", Self.host])
            #expect(
                cut.status == 1
                    && cut.stdout.contains(
                        "the chain ends at entry \(count - 1), but this workstation saw entry \(count)")
                    && cut.stdout.contains("removed from both copies"), "\(cut.stdout)\(cut.stderr)")
        } catch {
            Issue.record(error)
        }
        await fixture.cleanup()
    }

    @Test(
        "root on the only host cuts the last audit entries from both copies after a verify: another workstation, which saw nothing itself, finds the cut against the head the signed verification record carries"
    )
    func cutAuditChainFailsAgainstSignedRecord() async throws {
        let fixture = try await DeployFixture()
        do {
            let release = try RollbackTests.release(fixture, migrations: [:])
            #expect(try fixture.deployctl(["setup", Self.host]).status == 0)
            #expect(try fixture.deployctl(["secrets", "push", Self.host, "--from", fixture.envFile()]).status == 0)
            #expect(try fixture.deployctl(["deploy", Self.host, "--release", release]).status == 0)
            let reports = fixture.directory.file("reports")
            try FileManager.default.createDirectory(atPath: reports, withIntermediateDirectories: true)
            // A verify of the deployed release: its record, signed, carries the chain's head.
            let verified = try fixture.deployctl(["verify", Self.host, "--output-dir", reports])
            #expect(verified.status == 0, "\(verified.stdout)")
            let log = "\(Self.root)/shared/audit.jsonl"
            let count = try #require(
                Int(try await fixture.run("wc -l < \(log)").trimmingCharacters(in: .whitespacesAndNewlines)))
            // The record's own audit entry comes after the head it carries: cut it and the deploy's.
            _ = try await fixture.run("sed -i '$d' \(log); sed -i '$d' \(log)")
            let clickhouse = try ClickHouseServer.modern(on: Self.host)
            try await ClickHouseClient(endpoint: clickhouse.admin).execute(
                "ALTER TABLE deployctl.deployctl_audit DELETE WHERE host = '\(Self.host)' AND seq >= \(count - 1) SETTINGS mutations_sync = 2"
            )
            let elsewhere = try fixture.deployctl(
                ["audit", "verify", Self.host], extra: ["DEPLOYCTL_STATE_DIR": fixture.directory.file("elsewhere")])
            #expect(
                elsewhere.status == 1
                    && elsewhere.stdout.contains(
                        "the chain ends at entry \(count - 2), but the signed verification of ")
                    && elsewhere.stdout.contains("saw entry \(count - 1)"), "\(elsewhere.stdout)\(elsewhere.stderr)")
        } catch {
            Issue.record(error)
        }
        await fixture.cleanup()
    }

    @Test(
        "a passing verification record forged with the pipeline's ClickHouse account (etl_writer) is refused by ClickHouse, and one that got in, unsigned or signed by a key production does not trust, opens no gate"
    )
    func forgedVerificationRecordOpensNoGate() async throws {
        let fixture = try await DeployFixture()
        do {
            let staging = try String(contentsOfFile: fixture.environments + "/\(Self.host).toml", encoding: .utf8)
            try staging.replacingOccurrences(of: "role = \"staging\"", with: "role = \"production\"")
                .appending("\n[gate]\nrequire_passed_on = \"\(Self.host)\"\n")
                .write(toFile: fixture.environments + "/prodforged.toml", atomically: true, encoding: .utf8)
            let release = try DeployTests.buildID(fixture, ["--checkout", Testbed.repository.path, "--allow-dirty"])
            let hasher = Process()
            hasher.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
            hasher.arguments = [fixture.directory.file("releases") + "/\(release)/SHA256SUMS"]
            let output = Pipe()
            hasher.standardOutput = output
            try hasher.run()
            hasher.waitUntilExit()
            let sums = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).prefix(64)
            let clickhouse = try ClickHouseServer.modern(on: Self.host)
            // The table as verify makes it, in deployctl's own database.
            let admin = ClickHouseClient(endpoint: clickhouse.admin)
            let existed = try await admin.value("SELECT count() FROM system.databases WHERE name = 'deployctl'") == "1"
            try await admin.execute("CREATE DATABASE IF NOT EXISTS deployctl")
            try await admin.execute(
                "CREATE TABLE IF NOT EXISTS deployctl.deployctl_verifications (release String, passed UInt8, at DateTime, line String, received DateTime DEFAULT now()) ENGINE = MergeTree ORDER BY (release, at)"
            )
            let writer = ClickHouseClient(endpoint: try #require(clickhouse.writer))
            let now = Int(Date().timeIntervalSince1970)
            var forged: [String: Any] = [
                "actor": "mallory@etl", "at": ISO8601DateFormatter().string(from: Date()), "blocking": [String](),
                "environment": Self.host, "epoch": now, "passed": true, "release": release,
                "reportSHA256": String(repeating: "0", count: 64), "sums": String(sums),
            ]
            let untrusted = try SigningKey.load(path: Testbed.directory + "/keys/release_untrusted_ed25519")
            let options: JSONSerialization.WritingOptions = [.sortedKeys, .withoutEscapingSlashes]
            let unsigned = String(
                decoding: try JSONSerialization.data(withJSONObject: forged, options: options), as: UTF8.self)
            forged["signer"] = untrusted.fingerprint
            let payload = try JSONSerialization.data(withJSONObject: forged, options: options)
            forged["signature"] = try untrusted.signature(of: payload, namespace: "deployctl-verification")
            let signed = String(
                decoding: try JSONSerialization.data(withJSONObject: forged, options: options), as: UTF8.self)
            for (line, refusal) in [(unsigned, "it is not signed"), (signed, "which is not a trusted key")] {
                let insert =
                    "INSERT INTO deployctl.deployctl_verifications (release, passed, at, line) SELECT \(ClickHouseSQL.literal(release)), 1, now(), \(ClickHouseSQL.literal(line))"
                // The pipeline's account cannot write deployctl's database at all …
                await #expect {
                    try await writer.execute(insert)
                } throws: {
                    ($0 as? ClickHouseError)?.isAccessDenied == true
                }
                // … and a row that got there another way (a mis-granted account) is still refused.
                try await admin.execute(insert)
                let gate = try fixture.deployctl(["gate", "status", "prodforged", "--release", release])
                #expect(
                    gate.status == 1 && gate.stdout.contains("no verification on \(Self.host) the gate can take")
                        && gate.stdout.contains(refusal), "\(gate.stdout)\(gate.stderr)")
                let deploy = try fixture.deployctl(["deploy", "prodforged", "--release", release])
                #expect(deploy.status == 1 && deploy.stderr.contains("the gate is closed"), "\(deploy.stderr)")
                try await admin.execute("TRUNCATE TABLE deployctl.deployctl_verifications")
            }
            try await admin.execute(
                existed ? "DROP TABLE deployctl.deployctl_verifications SYNC" : "DROP DATABASE deployctl SYNC")
        } catch {
            Issue.record(error)
        }
        await fixture.cleanup()
    }

    @Test(
        "a deploy whose lease another run takes while it waits stops before its next change: nothing installed or switched, the timer put back, exit 4 naming the lost lease"
    )
    func leaseTakenMidDeployStopsBeforeNextChange() async throws {
        let fixture = try await FaultTests.fixture()
        do {
            let first = try FaultTests.deployFirst(fixture)
            let next = try FaultTests.release(fixture, marked: "lease")
            // A loader run in progress that does not end by itself: its first API request waits 10 minutes.
            fixture.server.simulator.inject(SimulatorFault(.latency(milliseconds: 600_000)))
            _ = try await fixture.run("systemctl start --no-block qtickets_api.service")
            let running = "[ \"$(systemctl show -p ActiveState --value qtickets_api.service)\" = activating ]"
            #expect(try await FaultTests.await(running, on: fixture, seconds: 30))
            let deploy = try FaultTests.Background(fixture, ["--json", "deploy", Self.host, "--release", next])
            // The deploy waits for that run in stop-timer once it has stopped the timer.
            #expect(
                try await FaultTests.await("! systemctl is-active -q qtickets_api.timer", on: fixture, seconds: 60))
            let taken = try await fixture.run(
                #"now=$(date +%s); printf '{"command":"deploy","id":"other","owner":"alice@laptop","pid":4242,"release":"r0","started":%s,"expires":%s}\n' "$now" "$((now + 600))" > /opt/zakaz_dashboard/shared/deploy.lock; echo "$now""#
            )
            let broken = try #require(Int(taken.trimmingCharacters(in: .whitespacesAndNewlines)))
            // The lease is renewed every 6 s (lock_ttl 15 s, the watchdog pushed every 2 s): by the
            // host's clock 8 s after the other run took it, a renewal has been refused.
            #expect(try await FaultTests.await("[ $(date +%s) -ge \(broken + 8) ]", on: fixture, seconds: 20))
            _ = try await fixture.run("systemctl kill qtickets_api.service; true")
            fixture.server.simulator.clearFaults()
            let (status, output) = deploy.finish()
            #expect(status == 4 && output.contains("lost its lease"), "\(output)")
            let document = output.firstIndex(of: "{").map { String(output[$0...]) } ?? ""
            let result =
                ((try? JSONSerialization.jsonObject(with: Data(document.utf8))) as? [String: Any])?["result"]
                as? [String: Any]
            let steps = PlanStepLines.of(result?["taken"]) ?? []
            #expect(
                steps.contains("stop-timer \(Self.host)")
                    && !steps.contains { $0.hasPrefix("install-unit") || $0.hasPrefix("switch") },
                "no change after the loss: \(steps)")
            #expect(try await FaultTests.current(fixture) == "releases/\(first)")
            #expect(
                try await FaultTests.await("systemctl is-active -q qtickets_api.timer", on: fixture, seconds: 30),
                "the timer is put back")
        } catch {
            Issue.record(error)
        }
        await fixture.cleanup()
    }
}
