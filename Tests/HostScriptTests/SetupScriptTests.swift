import Foundation
import HostScripts
import SSH
import Testing

/// The scripts that prepare a host for deploys (`setup`, the installer's account and switch), each
/// run alone on a testbed host in a scratch root.
@Suite("host scripts: setup", .serialized)
struct SetupScriptTests {
    /// A system user name no host has yet; `removeUser` deletes it (and its group) again.
    static func newUser() -> String { "dctl-t" + UUID().uuidString.prefix(6).lowercased() }

    static func removeUser(_ user: String, on host: ScriptHost) {
        _ = try? host.shell("userdel '\(user)' 2>/dev/null || true; groupdel '\(user)' 2>/dev/null || true")
    }

    @Test("host-setup makes the user, folders and allowed signers once, then repairs only what differs")
    func hostSetup() throws {
        let host = try ScriptHost()
        let user = Self.newUser()
        defer {
            Self.removeUser(user, on: host)
            host.close()
        }
        let root = host.root + "/app root"
        let releases = root + "/releases"
        let shared = root + "/shared"
        let envDirectory = host.root + "/etc env"
        let units = host.root + "/units"
        let signers = shared + "/allowed_signers"
        let keys =
            "deployctl-release namespaces=\"deployctl-release\" ssh-ed25519 AAAAC3one it's $HOME\n"
            + "deployctl-release namespaces=\"deployctl-release\" ssh-ed25519 AAAAC3two `two`\n"
        let arguments = [user, root, releases, shared, envDirectory, units, signers, keys]

        let first = try host.run(.hostSetup, arguments)
        #expect(first.status == 0, "\(first.stdout) \(first.stderr)")
        #expect(
            first.answer.all("changed") == [
                "created the system user \(user) (no login shell)",
                "created \(root) (755 root:root)",
                "created \(releases) (755 root:root)",
                "created \(shared) (755 root:root)",
                "created \(envDirectory) (750 root:\(user))",
                "created \(units) (755 root:root)",
                "trusted 2 release key(s) in \(signers)",
            ], "\(first.stdout)")
        #expect(first.answer.all("missing").isEmpty, "\(first.stdout)")
        #expect(try host.shell("getent passwd '\(user)' | cut -d: -f7") == "/usr/sbin/nologin\n")
        #expect(try host.shell("stat -c '%a %U %G' '\(envDirectory)'") == "750 root \(user)\n")
        #expect(try host.shell("cat '\(signers)'") == keys, "the keys are written as given, $ and quotes included")
        #expect(try host.shell("stat -c %a '\(signers)'") == "644\n")

        let again = try host.run(.hostSetup, arguments)
        #expect(again.status == 0)
        #expect(again.answer.all("changed").isEmpty, "a host set up already changes nothing: \(again.stdout)")

        try host.shell("chmod 700 '\(releases)' && mkdir '\(releases)/.incoming-0123' && touch '\(releases)/keep'")
        let repair = try host.run(.hostSetup, arguments)
        #expect(repair.status == 0)
        #expect(
            repair.answer.all("changed") == [
                "\(releases): 700 root:root -> 755 root:root",
                "removed the unfinished upload \(releases)/.incoming-0123",
            ], "\(repair.stdout)")
        #expect(try host.shell("ls -A '\(releases)'") == "keep\n")
    }

    @Test("pipeline-prepare makes the user without a login shell and the config folder, group the user's")
    func pipelinePrepare() throws {
        let host = try ScriptHost()
        let user = Self.newUser()
        defer {
            Self.removeUser(user, on: host)
            host.close()
        }
        let folder = host.root + "/etc/app's env"
        let run = try host.run(.pipelinePrepare, [user, folder])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try host.shell("getent passwd '\(user)' | cut -d: -f6,7") == "/nonexistent:/usr/sbin/nologin\n")
        #expect(try host.shell("stat -c '%a %U %G' \(ShellQuote.quote(folder))") == "750 root \(user)\n")
        #expect(try host.run(.pipelinePrepare, [user, folder]).status == 0, "a second run changes nothing")

        let refused = try host.run(.pipelinePrepare, ["no such user", host.root + "/other"])
        #expect(refused.status != 0, "an invalid user name is refused")
        #expect(try host.shell("test -e '\(host.root)/other' && echo made || echo none") == "none\n")
    }

    @Test("pipeline-activate points current at the release folder, reloads systemd and starts the timers")
    func pipelineActivate() throws {
        let host = try ScriptHost()
        let unit = "dctl-test-" + UUID().uuidString.prefix(8).lowercased()
        defer {
            _ = try? host.shell(
                "systemctl stop \(unit).timer 2>/dev/null || true; rm -f /run/systemd/system/\(unit).*; systemctl daemon-reload"
            )
            host.close()
        }
        try host.shell(
            """
            mkdir '\(host.root)/releases/r 1' '\(host.root)/releases/r2'
            printf '[Service]\\nType=oneshot\\nExecStart=/bin/true\\n' > /run/systemd/system/\(unit).service
            printf '[Timer]\\nOnActiveSec=1h\\n' > /run/systemd/system/\(unit).timer
            """)
        let current = host.root + "/current"
        let run = try host.run(.pipelineActivate, [current, host.root + "/releases/r 1", unit + ".timer"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try host.shell("readlink '\(current)'") == host.root + "/releases/r 1\n")
        #expect(try host.shell("systemctl is-active \(unit).timer") == "active\n", "the new timer file was loaded")

        let noTimers = try host.run(.pipelineActivate, [current, host.root + "/releases/r2"])
        #expect(noTimers.status == 0, "\(noTimers.stderr)")
        #expect(try host.shell("readlink '\(current)'") == host.root + "/releases/r2\n")
        #expect(try host.shell("ls -A \(host.root)") == "current\nreleases\nshared\n", "no temporary link is left")

        let unknown = try host.run(.pipelineActivate, [current, host.root + "/releases/r2", "\(unit)-none.timer"])
        #expect(unknown.status != 0, "a timer that does not exist fails the step")
    }
}
