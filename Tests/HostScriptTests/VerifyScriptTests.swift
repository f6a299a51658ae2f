import Foundation
import HostScripts
import SSH
import Testing

/// The scripts `deployctl verify` runs on a host, each run alone on a testbed host in a scratch root.
@Suite("host scripts: verify", .serialized)
struct VerifyScriptTests {
    /// A deployed release r1 (current, SHA256SUMS, systemd/) whose service is installed as shipped
    /// with a drop-in, whose timer was edited on the host, in a units folder with a space in its
    /// name, next to a unit file systemd refuses; an audit log with gate overrides. Returns the
    /// units folder.
    func makeDeployed(on host: ScriptHost) throws -> String {
        let units = host.root + "/units dir"
        try host.shell(
            """
            cd \(host.root)
            mkdir -p releases/r1/systemd '\(units)/vf.service.d'
            printf '[Service]\\nType=oneshot\\nExecStart=/bin/true\\n' > releases/r1/systemd/vf.service
            printf '[Timer]\\nOnCalendar=hourly\\nUnit=vf.service\\n' > releases/r1/systemd/vf.timer
            echo r1 > releases/r1/RELEASE
            (cd releases/r1 && sha256sum RELEASE systemd/vf.service systemd/vf.timer > SHA256SUMS)
            cp releases/r1/systemd/vf.service releases/r1/systemd/vf.timer '\(units)/'
            echo OnBootSec=5 >> '\(units)/vf.timer'
            printf '[Service]\\nEnvironment=A=1\\n' > '\(units)/vf.service.d/\(DropInFile.name)'
            printf '[Service]\\nExecStart=bin/x\\n' > '\(units)/vf-bad.service'
            ln -s releases/r1 current
            cat > shared/audit.jsonl <<'AUDIT'
            {"command":"gate override","detail":"old","release":"r0","result":"ok"}
            {"command":"gate override","detail":"first","release":"r1","result":"ok"}
            {"command":"deploy","release":"r1","result":"ok"}
            {"command":"gate override","detail":"hotfix","release":"r1","result":"ok"}
            AUDIT
            """)
        return units
    }

    func facts(_ host: ScriptHost, units: String, runtime: [String], _ names: [String]) throws -> ScriptHost.Run {
        try host.run(.verifyFacts, [host.root, units, DropInFile.name] + runtime + names)
    }

    @Test("verify-facts reads the release, ClickHouse's unit, sockets, files, units, the audit line and the journal")
    func verifyFacts() throws {
        let host = try ScriptHost()
        defer { host.close() }
        let units = try makeDeployed(on: host)
        let job = "vf-journal-\(host.root.split(separator: ".").last ?? "x").service"
        try host.shell("systemd-run --quiet --wait --unit=\(job) sh -c 'echo \"<3>boom\"; echo fine'")
        let run = try facts(
            host, units: units, runtime: ["systemd", "systemd-journald.service"],
            ["vf.service", "vf.timer", "vf-bad.service", "missing.service", job])
        #expect(run.status == 0, "\(run.stderr)")
        let answer = run.answer
        #expect(answer["current"] == "r1")
        #expect(answer["clickhouse_runtime"] == "active")
        #expect(answer["listen"]?.split(separator: "\n").contains { $0.hasSuffix(":22") } == true, "\(run.stdout)")
        #expect(answer["sums_present"] == "yes")
        #expect(answer["sums"]?.trimmingCharacters(in: .whitespacesAndNewlines) == "", "every file as signed")
        #expect(answer["unit_same:vf.service"] == "yes", "the units folder with a space is one argument")
        #expect(answer["unit_same:vf.timer"] == "no", "edited on the host")
        #expect(answer["unit_same:missing.service"] == "no")
        #expect(answer["dropin:vf.service"] == "[Service]\nEnvironment=A=1\n")
        #expect(answer["dropin:vf.timer"] == "", "no drop-in: an empty block")
        #expect(ScriptAnswer(answer["show:vf.service"] ?? "")["ActiveState"] == "inactive")
        #expect(ScriptAnswer(answer["show:vf.timer"] ?? "")["UnitFileState"] != nil, "\(run.stdout)")
        let analyze = answer["analyze"] ?? ""
        #expect(analyze.contains("\(units)/vf-bad.service:2:"), "\(analyze)")
        #expect(analyze.contains("missing.service"), "\(analyze)")
        #expect(answer["gate_override"]?.contains(#""detail":"hotfix""#) == true, "the newest for the release")
        #expect(answer.all("gate_override").count == 1)
        #expect(answer["journal"] == "boom", "the error line of the unit since the switch, not the info line")

        try host.shell("echo changed >> \(host.root)/releases/r1/RELEASE")
        let altered = try facts(host, units: units, runtime: ["systemd", "systemd-journald.service"], ["vf.service"])
        #expect(altered.answer["sums"]?.contains("RELEASE: FAILED") == true, "\(altered.stdout)")
    }

    @Test(
        "verify-facts says when ss, netstat and journalctl fail instead of answering empty lists, and when a unit never ran or a timer never fired"
    )
    func verifyFactsUnreadable() throws {
        let host = try ScriptHost()
        defer { host.close() }
        let units = try makeDeployed(on: host)
        let stubs = host.root + "/stubs"
        try host.shell(
            "mkdir \(stubs) && for c in ss netstat journalctl; do printf '#!/bin/sh\\nexit 1\\n' > \(stubs)/$c; chmod +x \(stubs)/$c; done"
        )
        let arguments = [
            host.root, units, DropInFile.name, "systemd", "systemd-journald.service", "vf.service", "vf.timer",
        ]
        let broken = try host.connection.execute(
            "PATH=\(stubs):$PATH " + HostScriptSource.verifyFacts.commandLine(arguments))
        let answer = ScriptAnswer(broken.stdoutText)
        #expect(broken.exitStatus == 0, "\(broken.stderrText)")
        #expect(answer["listen_read"] == "no" && answer["listen"] == "", "\(broken.stdoutText)")
        #expect(answer["journal_read"]?.hasPrefix("no") == true && answer["journal"] == "", "\(broken.stdoutText)")

        let read = try facts(
            host, units: units, runtime: ["systemd", "systemd-journald.service"], ["vf.service", "vf.timer"])
        #expect(read.answer["listen_read"] == "yes" && read.answer["journal_read"] == "yes", "\(read.stdout)")
        #expect(read.answer["started_epoch:vf.service"] == "", "vf.service never ran: \(read.stdout)")
        #expect(read.answer["triggered_epoch:vf.timer"] == "", "vf.timer never fired: \(read.stdout)")
        #expect(read.answer["deployed_epoch"].flatMap(Int.init) != nil, "\(read.stdout)")
        let job = "vf-ran-\(host.root.split(separator: ".").last ?? "x").service"
        try host.shell(
            "systemd-run --quiet -p RemainAfterExit=yes --unit=\(job) true && for i in $(seq 50); do [ \"$(systemctl show -p ActiveState --value \(job))\" = active ] && break; sleep 0.1; done"
        )
        defer { _ = try? host.shell("systemctl stop \(job)") }
        let ran = try facts(host, units: units, runtime: ["systemd", "systemd-journald.service"], [job])
        let started = ran.answer["started_epoch:\(job)"].flatMap(Int.init) ?? 0
        #expect(abs(Int(Date().timeIntervalSince1970) - started) < 300, "a start time in epoch seconds: \(ran.stdout)")
    }

    @Test(
        "verify-settings prints JOB_NAME and the healthcheck's thresholds of the env file, no secret; 66 when unreadable"
    )
    func verifySettings() throws {
        let host = try ScriptHost()
        defer { host.close() }
        let env = host.root + "/env file"
        try host.shell(
            """
            cat > '\(env)' <<'ENV'
            QTICKETS_TOKEN=secret-token
            JOB_NAME=museum_api
             export HEALTHCHECK_RUN_WARN_MINUTES = "90"
            CLICKHOUSE_PASSWORD=secret-password
            ENV
            """)
        let run = try host.run(.verifySettings, [env])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == "JOB_NAME=museum_api\nHEALTHCHECK_RUN_WARN_MINUTES=\"90\"\n", "\(run.stdout)")
        let missing = try host.run(.verifySettings, [host.root + "/none"])
        #expect(missing.status == 66 && missing.stderr.contains("cannot read"), "\(missing.stderr)")
        try host.shell("printf 'QTICKETS_TOKEN=x\\n' > '\(env)'")
        let none = try host.run(.verifySettings, [env])
        #expect(none.status == 0 && none.stdout.isEmpty, "no such setting: nothing, exit 0")
    }

    @Test("verify-facts on a host with no release: current empty, no sums, no gate override; a bad runtime is 64")
    func verifyFactsNoRelease() throws {
        let host = try ScriptHost()
        defer { host.close() }
        let run = try facts(host, units: host.root + "/units", runtime: ["docker", "no such container"], ["a.service"])
        #expect(run.status == 0, "\(run.stderr)")
        let answer = run.answer
        #expect(answer["current"] == "")
        #expect(answer["clickhouse_runtime"].map { !$0.isEmpty && !$0.hasPrefix("running") } == true)
        #expect(answer["sums_present"] == nil && answer["sums"] == nil)
        #expect(answer["unit_same:a.service"] == "no")
        #expect(answer["gate_override"] == nil)
        #expect(answer["journal"] != nil && answer["analyze"] != nil)

        let wrong = try facts(host, units: host.root, runtime: ["podman", "x"], [])
        #expect(wrong.status == 64)
        #expect(wrong.stderr.contains("not podman"))
    }

    @Test("verify-facts reads a docker container's status and health (client-prod's ch-zakaz)")
    func verifyFactsDocker() throws {
        let host = try ScriptHost(name: "client-prod")
        defer { host.close() }
        let run = try facts(host, units: host.root, runtime: ["docker", "ch-zakaz"], [])
        #expect(run.status == 0, "\(run.stderr)")
        let state = run.answer["clickhouse_runtime"] ?? ""
        #expect(
            ["running", "exited", "paused", "restarting", "created"].contains { state.hasPrefix($0) }, "\(run.stdout)")
    }

    @Test(
        "release-command runs the binary as the env file's app user with --env-file, never sourcing it: a value with $ ` ' and spaces is not run, a root-owned group is refused"
    )
    func envFileIsNeverSourcedAsRoot() throws {
        let host = try ScriptHost()
        defer { host.close() }
        let env = host.root + "/env file"
        let binary = host.root + "/bin dir/qtickets-api"
        try host.shell(
            """
            mkdir '\(host.root)/bin dir'
            cat > '\(env)' <<'ENV'
            QTICKETS_TOKEN=a$b`touch \(host.root)/pwned` d'e
            CLICKHOUSE_PASSWORD=$(touch \(host.root)/pwned)
            ENV
            chgrp daemon '\(env)' && chmod 0640 '\(env)'
            cat > '\(binary)' <<'BINARY'
            #!/bin/sh
            printf '%s|' "$@" "$(id -un)" "${QTICKETS_TOKEN-unset}"
            echo
            exit 3
            BINARY
            chmod 0755 '\(binary)'
            """)
        let run = try host.run(.releaseCommand, [env, binary, "check-api", "one arg"])
        #expect(run.status == 3, "\(run.stderr)")
        #expect(
            run.stdout == "check-api|one arg|--env-file|\(env)|daemon|unset|\n",
            "the app user, the file's path as one argument, nothing exported: \(run.stdout)")
        #expect(try host.shell("test -e '\(host.root)/pwned' && echo pwned || echo clean") == "clean\n")

        try host.shell("chgrp root '\(env)'")
        let rootGroup = try host.run(.releaseCommand, [env, binary, "check-api"])
        #expect(
            rootGroup.status == 65 && rootGroup.answer["refused"]?.contains("group root") == true, "\(rootGroup.stdout)"
        )

        let missing = try host.run(.releaseCommand, [host.root + "/none", binary, "check-api"])
        #expect(missing.status != 0 && missing.status != 3)
    }
}
