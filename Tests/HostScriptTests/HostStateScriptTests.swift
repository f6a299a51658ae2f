import Foundation
import HostScripts
import SSH
import Testing

/// The scripts that read what a host runs (state, status, releases) and hold its deploy lock, each
/// run alone on a testbed host in a scratch root.
@Suite("host scripts: state, status, releases and the deploy lock", .serialized)
struct HostStateScriptTests {
    /// The deploy lock's JSON, as deployctl decodes it.
    struct Holder: Decodable, Equatable {
        let id: String
        let owner: String
        let pid: Int32
        let command: String
        let release: String
        let started: Int
        let expires: Int
    }

    func holder(_ json: String?) throws -> Holder {
        try JSONDecoder().decode(Holder.self, from: Data(try #require(json).utf8))
    }

    /// lease-take for run `id`, with the host's wall clock seemingly stepped by `wallClockOffset` s when given.
    func take(
        _ host: ScriptHost, id: String, owner: String = "ci@ws", ttl: Int = 600, wallClockOffset: Int? = nil
    ) throws -> ScriptHost.Run {
        let arguments = [
            host.root + "/shared", host.root + "/shared/deploy.lock", id, owner, "42", "deploy", "r 1", "\(ttl)",
        ]
        guard let wallClockOffset else { return try host.run(.leaseTake, arguments) }
        return try host.run(.leaseTake, arguments, wallClockOffset: wallClockOffset)
    }

    @Test("lease-take takes a free lock, renews its own keeping the start, and refuses (73) another run's")
    func leaseTake() throws {
        let host = try ScriptHost()
        defer { host.close() }
        let lock = host.root + "/shared/deploy.lock"
        let first = try take(host, id: "A", owner: #"o"brien \ ws"#)
        #expect(first.status == 0, "\(first.stderr)")
        let taken = try #require(first.answer["taken"].flatMap(Int.init))
        let held = try holder(try host.shell("cat \(lock)"))
        #expect(held.owner == #"o"brien \ ws"#, "a quote and a backslash stay one argument, the lock valid JSON")
        #expect(held.id == "A" && held.pid == 42 && held.command == "deploy" && held.release == "r 1")
        #expect(held.started == taken && held.expires == taken + 600)

        try host.shell("sed -i 's/\"started\":[0-9]*/\"started\":7/' \(lock)")
        let renewed = try take(host, id: "A")
        #expect(renewed.status == 0)
        #expect(try holder(try host.shell("cat \(lock)")).started == 7, "renewing keeps the start")

        let refused = try take(host, id: "B")
        #expect(refused.status == 73)
        #expect(try holder(refused.answer["holder"]).id == "A")
        #expect(refused.answer["now"].flatMap(Int.init) != nil)
        #expect(try holder(try host.shell("cat \(lock)")).id == "A", "a refused take leaves the lock")

        try host.shell("sed -i 's/\"deadline\":[0-9]*/\"deadline\":1/' \(lock)")
        let expired = try take(host, id: "B")
        #expect(expired.status == 0, "an expired lock is taken over")
        #expect(try holder(try host.shell("cat \(lock)")).id == "B")

        try host.shell(#"sed -i 's/,"boot":.*}/}/' "# + lock)
        #expect(try take(host, id: "C").status == 73, "a lock of an older version: live by the wall clock")
        try host.shell("sed -i 's/\"expires\":[0-9]*/\"expires\":1/' \(lock)")
        #expect(try take(host, id: "C").status == 0, "and expired by it")
    }

    @Test(
        "a step of the host's wall clock neither frees a live lock (ten years ahead) nor keeps an expired one (an hour behind); a lock from an earlier boot has expired"
    )
    func leaseWallClockStep() throws {
        let host = try ScriptHost()
        defer { host.close() }
        let lock = host.root + "/shared/deploy.lock"
        #expect(try take(host, id: "A", wallClockOffset: 0).status == 0)
        let ahead = try take(host, id: "B", wallClockOffset: 315_360_000)
        #expect(ahead.status == 73, "ten years ahead: A's 600 s have not passed")
        #expect(ahead.answer["left"].flatMap(Int.init).map { (590...600).contains($0) } == true)

        #expect(try take(host, id: "A", ttl: 1, wallClockOffset: 0).status == 0, "A renews for 1 s")
        func secondsLeft() throws -> Int {
            Int(
                try host.shell(
                    #"read -r up _ </proc/uptime; d=$(sed -n 's/.*"deadline":\([0-9]*\).*/\1/p' "# + lock
                        + #"); echo $((d - ${up%.*}))"#
                ).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 1
        }
        try host.wait { try secondsLeft() <= 0 }
        #expect(try secondsLeft() <= 0)
        #expect(
            try take(host, id: "B", wallClockOffset: -3600).status == 0,
            "an hour behind: A's 1 s has passed all the same")
        #expect(try holder(try host.shell("cat \(lock)")).id == "B")

        try host.shell(#"sed -i 's/"boot":"[^"]*"/"boot":"an-earlier-boot"/' "# + lock)
        #expect(
            try take(host, id: "C", wallClockOffset: 0).status == 0,
            "a lock written before the host's last boot has expired")
    }

    @Test("lease-release removes the lock of its own run only")
    func leaseRelease() throws {
        let host = try ScriptHost()
        defer { host.close() }
        let lock = host.root + "/shared/deploy.lock"
        #expect(try take(host, id: "run B").status == 0)
        let other = try host.run(.leaseRelease, [host.root + "/shared", lock, "run"])
        #expect(other.status == 0, "\(other.stderr)")
        #expect(try host.shell("test -f \(lock) && echo held") == "held\n")
        let own = try host.run(.leaseRelease, [host.root + "/shared", lock, "run B"])
        #expect(own.status == 0)
        #expect(try host.shell("test -f \(lock) && echo held || echo free") == "free\n")
        #expect(
            try host.run(.leaseRelease, [host.root + "/shared", lock, "run B"]).status == 0, "no lock: nothing to do")
    }

    @Test("deploy-lock shows the lock, break also removes it, another action is refused (64)")
    func deployLock() throws {
        let host = try ScriptHost()
        defer { host.close() }
        let shared = host.root + "/shared"
        let lock = shared + "/deploy.lock"
        let none = try host.run(.deployLock, [shared, lock, "show"])
        #expect(none.status == 0 && none.stdout.isEmpty)
        #expect(try take(host, id: "A").status == 0)
        let shown = try host.run(.deployLock, [shared, lock, "show"])
        #expect(try holder(shown.answer["lock"]).id == "A")
        #expect(try host.shell("test -f \(lock) && echo held") == "held\n")
        let broken = try host.run(.deployLock, [shared, lock, "break"])
        #expect(broken.status == 0)
        #expect(try holder(broken.answer["lock"]).id == "A")
        #expect(try host.shell("test -f \(lock) && echo held || echo free") == "free\n")
        let wrong = try host.run(.deployLock, [shared, lock, "rm -rf"])
        #expect(wrong.status == 64)
        #expect(wrong.stderr.contains("not rm -rf"))
    }

    @Test("lock break for the dead run A leaves the lock run B took since (75), and breaks A's own")
    func breakNamedHolder() throws {
        let host = try ScriptHost()
        defer { host.close() }
        let shared = host.root + "/shared"
        let lock = shared + "/deploy.lock"
        #expect(try take(host, id: "A", ttl: 1).status == 0)
        #expect(try host.shell("sleep 2; echo slept") == "slept\n", "A's lock expires")
        #expect(try take(host, id: "B").status == 0)
        let refused = try host.run(.deployLock, [shared, lock, "break", "A"])
        #expect(refused.status == 75)
        #expect(try holder(refused.answer["lock"]).id == "B", "it names the run that holds the lock now")
        #expect(try holder(try host.shell("cat \(lock)")).id == "B", "B's lock stays")
        let broken = try host.run(.deployLock, [shared, lock, "break", "B"])
        #expect(broken.status == 0)
        #expect(try holder(broken.answer["lock"]).id == "B")
        #expect(try host.shell("test -f \(lock) && echo held || echo free") == "free\n")
    }

    @Test("deploy-lock waits for the flock lease-take holds, so the lock it shows is the lock it breaks")
    func breakWaitsForTheFlock() throws {
        let host = try ScriptHost()
        defer { host.close() }
        let shared = host.root + "/shared"
        #expect(try take(host, id: "A").status == 0)
        // Holds the flock as lease-take does while it writes; the break must wait for it, then see
        // what was written under it (run C's lock), not A's. The second of sleep is what a break
        // without the flock would need to read A's lock first.
        let output = try host.shell(
            """
            exec 8>>\(shared)/.deploy.lock.flock; flock 8
            ( \(HostScriptSource.deployLock.commandLine([shared, shared + "/deploy.lock", "break"])) > \(shared)/out; echo "exit=$?" >> \(shared)/out ) 8>&- &
            sleep 1; sed 's/"id":"A"/"id":"C"/' \(shared)/deploy.lock > \(shared)/l.tmp; mv \(shared)/l.tmp \(shared)/deploy.lock
            exec 8>&-; wait; cat \(shared)/out
            """)
        #expect(output.contains("exit=0"), "\(output)")
        #expect(output.contains("\"id\":\"C\""), "the break saw the lock written while it waited: \(output)")
    }

    /// Releases r1 and r2 (r2 current, r1 previous) with manifests and a shipped unit, `half` with
    /// no RELEASE file, a units folder with a space in its name, and an audit log.
    func makeReleases(on host: ScriptHost, unit: String) throws -> String {
        let units = host.root + "/units dir"
        try host.shell(
            """
            cd \(host.root)
            for r in r1 r2; do
              mkdir -p releases/$r/systemd
              echo $r > releases/$r/RELEASE
              printf '{\\n  "builtAt" : "2026-01-0%s",\\n  "id" : "%s",\\n  "revision" : "rev-%s"\\n}\\n' "${r#r}" $r $r > releases/$r/manifest.json
              printf '[Service]\\nExecStart=/bin/true\\n' > releases/$r/systemd/\(unit)
              (cd releases/$r && sha256sum RELEASE manifest.json systemd/\(unit) > SHA256SUMS)
            done
            mkdir releases/half
            ln -s releases/r2 current
            echo r1 > shared/previous
            mkdir -p '\(units)/\(unit).d'
            cp releases/r2/systemd/\(unit) '\(units)/\(unit)'
            echo '[Service]' > '\(units)/\(unit).d/\(DropInFile.name)'
            cat > shared/audit.jsonl <<'AUDIT'
            {"command":"deploy","release":"r1","result":"ok"}
            {"command":"deploy","release":"r2","result":"failed"}
            {"command":"gate override","detail":"hotfix","release":"r2","result":"ok"}
            {"command":"rollback","release":"r1","result":"ok"}
            {"command":"deploy","release":"r2","result":"ok"}
            AUDIT
            """)
        return units
    }

    @Test("list-releases names every complete release, its revision and build time, current, previous and results")
    func listReleases() throws {
        let host = try ScriptHost()
        defer { host.close() }
        _ = try makeReleases(on: host, unit: "t.service")
        let run = try host.run(.listReleases, [host.root, host.root + "/shared/audit.jsonl"])
        #expect(run.status == 0, "\(run.stderr)")
        let answer = run.answer
        #expect(answer["current"] == "r2" && answer["previous"] == "r1")
        #expect(answer.all("release") == ["r1", "r2"])
        #expect(answer["revision:r1"] == "rev-r1" && answer["built:r2"] == "2026-01-02")
        #expect(answer.all("result:r1") == ["ok", "ok"] && answer.all("result:r2") == ["failed", "ok"])
        #expect(answer.all("passed") == ["r1", "r1", "r2"])

        let empty = try host.run(.listReleases, [host.root + "/none", host.root + "/none/audit.jsonl"])
        #expect(empty.status == 0 && empty.stdout == "current=\n", "\(empty.stdout) \(empty.stderr)")
    }

    @Test("status reports current, previous, lock, audit, watchdog, altered files and each shipped unit")
    func status() throws {
        let host = try ScriptHost()
        defer { host.close() }
        let unit = "deployctl-status-test.service"
        let units = try makeReleases(on: host, unit: unit)
        let w = host.root + "/shared/watchdog"
        try host.shell(
            """
            cd \(host.root)
            mkdir '\(w)' && echo run=x > '\(w)/state' && read -r up _ </proc/uptime && echo $((${up%.*} + 100)) > '\(w)/deadline'
            echo '{"actor":"a","at":"t","from":"r2","to":"r1","window":30}' > '\(w)/fired'
            echo changed >> releases/r2/RELEASE
            """)
        #expect(try take(host, id: "A").status == 0)
        let run = try host.run(
            .status,
            [
                host.root, host.root + "/shared/deploy.lock", host.root + "/shared/audit.jsonl", w, units,
                DropInFile.name,
            ])
        #expect(run.status == 0, "\(run.stderr)")
        let answer = run.answer
        #expect(answer["current"] == "r2" && answer["previous"] == "r1" && answer["revision"] == "rev-r2")
        #expect(answer.all("release") == ["r1", "r2"] && answer.all("passed") == ["r1", "r1", "r2"])
        #expect(try holder(answer["lock"]).id == "A")
        #expect(answer["last_deploy"] == #"{"command":"deploy","release":"r2","result":"ok"}"#)
        #expect(answer["deployed"] == #"{"command":"deploy","release":"r2","result":"ok"}"#)
        #expect(answer["override"]?.contains("hotfix") == true)
        #expect(answer["watchdog_fired"]?.contains(#""to":"r1""#) == true)
        #expect(answer["watchdog_armed"].flatMap(Int.init).map { (90...100).contains($0) } == true)
        #expect(answer.all("altered") == ["RELEASE"])
        #expect(answer.all("unit") == [unit])
        #expect(answer["same:\(unit)"] == "yes", "the folder with a space is one argument")
        #expect(answer["text:\(unit)"] == "[Service]\nExecStart=/bin/true\n")
        #expect(answer["dropin:\(unit)"] == "[Service]\n")
        #expect(ScriptAnswer(answer["show:\(unit)"] ?? "")["ActiveState"] == "inactive")

        try host.shell("echo edited >> '\(units)/\(unit)'")
        let edited = try host.run(
            .status,
            [
                host.root, host.root + "/shared/deploy.lock", host.root + "/shared/audit.jsonl", w, units,
                DropInFile.name,
            ])
        #expect(edited.answer["same:\(unit)"] == "no")
    }

    @Test("host-state reads releases, the current manifest and units, the lock, free space, the clock and unit hashes")
    func hostState() throws {
        let host = try ScriptHost()
        defer { host.close() }
        let units = try makeReleases(on: host, unit: "t.service")
        #expect(try take(host, id: "A").status == 0)
        let run = try host.run(
            .hostState,
            [host.root, host.root + "/shared/deploy.lock", units, DropInFile.name, "t.service", "missing.service"])
        #expect(run.status == 0, "\(run.stderr)")
        let answer = run.answer
        #expect(answer["current"] == "r2" && answer["previous"] == "r1")
        #expect(answer.all("release") == ["r1", "r2"], "a folder without RELEASE is not a release")
        #expect(answer.all("currentunit") == ["t.service"])
        #expect(answer["manifest"]?.contains(#""id" : "r2""#) == true)
        #expect(try holder(answer["lock"]).id == "A")
        #expect(answer["free"].flatMap(UInt64.init).map { $0 > 0 } == true)
        #expect(answer["now"].flatMap(Int.init).map { $0 > 1_700_000_000 } == true)
        let hash = try host.shell("sha256sum < '\(units)/t.service' | cut -c1-64")
        #expect(answer["unit:t.service"].map { $0 + "\n" } == hash)
        #expect(answer["text:t.service"] == "[Service]\nExecStart=/bin/true\n")
        #expect(answer["dropin:t.service"]?.count == 64)
        #expect(answer["droptext:t.service"] == "[Service]\n")
        #expect(answer["unit:missing.service"] == nil && answer["dropin:missing.service"] == nil)

        let fresh = try host.run(
            .hostState, [host.root + "/not/yet", host.root + "/none.lock", units, DropInFile.name])
        #expect(fresh.status == 0, "\(fresh.stderr)")
        #expect(fresh.answer["current"] == nil && fresh.answer.all("release").isEmpty)
        #expect(fresh.answer["free"].flatMap(UInt64.init).map { $0 > 0 } == true, "free space where the root would be")
    }
}
