import Foundation
import HostScripts
import SSH
import Testing

/// The host's watchdog, each script run alone on a testbed host: units of the test's own under
/// /run/systemd/system, a transient timer of its own name, the snapshot in the scratch root.
@Suite("host scripts: the watchdog", .serialized)
struct WatchdogScriptTests {
    /// A scratch root with releases `old` and `new` (current → old, previous names `older`), a
    /// oneshot unit `<name>-a.service` (enabled, active, with a drop-in) and none named
    /// `<name>-b.service`; `close()` stops and removes the test's units and timer.
    final class Watchdog {
        let host: ScriptHost
        let name = "deployctl-wdtest-" + UUID().uuidString.prefix(8).lowercased()
        let units = "/run/systemd/system"
        var w: String { host.root + "/shared/watchdog" }
        var a: String { name + "-a.service" }
        var b: String { name + "-b.service" }
        let run = "run 1"
        let actor = "o'brien at \"ws\""

        init() throws {
            host = try ScriptHost()
            try host.shell(
                """
                cd \(host.root)
                mkdir releases/old releases/new
                ln -s releases/old current
                echo older > shared/previous
                printf '[Service]\\nType=oneshot\\nRemainAfterExit=yes\\nExecStart=/bin/true\\n[Install]\\nWantedBy=multi-user.target\\n' > \(units)/\(a)
                mkdir \(units)/\(a).d && echo old > \(units)/\(a).d/\(DropInFile.name)
                systemctl daemon-reload
                systemctl enable --quiet --now \(a)
                """)
        }

        func close() {
            _ = try? host.shell(
                """
                systemctl stop \(name).timer \(name).service \(a) \(b) 2>/dev/null || true
                systemctl disable --quiet \(a) \(b) 2>/dev/null || true
                systemctl reset-failed \(name).timer \(name).service 2>/dev/null || true
                rm -rf \(units)/\(name)-*
                systemctl daemon-reload
                """)
            host.close()
        }

        func arm(window: Int = 600, check: Int = 5) throws -> ScriptHost.Run {
            try host.run(
                .watchdogArm,
                [
                    w, host.root, units, name, "\(window)", "\(check)", run, "new", actor,
                    HostScriptSource.watchdogRestore.text, a, b,
                ])
        }

        /// What the deploy changes: a's file and state, a new unit b, current and previous.
        func deploy() throws {
            try host.shell(
                """
                cd \(host.root)
                systemctl disable --quiet --now \(a)
                printf '[Service]\\nType=oneshot\\nExecStart=/bin/false\\n[Install]\\nWantedBy=multi-user.target\\n' > \(units)/\(a)
                echo new > \(units)/\(a).d/\(DropInFile.name)
                printf '[Service]\\nType=oneshot\\nExecStart=/bin/true\\n' > \(units)/\(b)
                systemctl daemon-reload
                ln -sfn releases/new current
                echo old > shared/previous
                """)
        }

        /// current, previous, a's drop-in, whether b exists, a's enabled and active states.
        func state() throws -> String {
            try host.shell(
                """
                cd \(host.root)
                echo "$(readlink current) $(cat shared/previous) $(cat \(units)/\(a).d/\(DropInFile.name))" \
                  "$(test -e \(units)/\(b) && echo b || echo no-b)" \
                  "$(systemctl is-enabled \(a) 2>/dev/null || true) $(systemctl is-active \(a) 2>/dev/null || true)"
                """)
        }

        /// Seconds from now to the deadline, both in the host's seconds since boot.
        func secondsLeft() throws -> Int {
            try #require(
                Int(
                    try host.shell("read -r up _ </proc/uptime && echo $(($(cat '\(w)/deadline') - ${up%.*}))")
                        .dropLast()))
        }

        /// The names in the watchdog's folder, sorted, on one line.
        func listing() throws -> String { try host.shell("ls -A '\(w)' | sort | tr '\\n' ' '") }

        /// The record the restore wrote in `fired`.
        func fired(_ text: String? = nil) throws -> Fired {
            try JSONDecoder().decode(Fired.self, from: Data((try text ?? host.shell("cat '\(w)/fired'")).utf8))
        }

        /// Runs `body` with a new watchdog, armed for `window` s and checking every `check` s, and
        /// the arm's answer; closes it afterwards.
        static func armed(
            window: Int = 600, check: Int = 5, _ body: (Watchdog, ScriptHost.Run) throws -> Void
        ) throws {
            let watchdog = try Watchdog()
            defer { watchdog.close() }
            let armed = try watchdog.arm(window: window, check: check)
            try #require(armed.status == 0, "\(armed.stderr)")
            try body(watchdog, armed)
        }

        static let before = "releases/old older old no-b enabled active\n"
        static let deployed = "releases/new old new b disabled inactive\n"

        func timerActive() throws -> Bool {
            try host.shell("systemctl is-active \(name).timer || true") == "active\n"
        }
    }

    /// The `fired` record the restore writes.
    struct Fired: Decodable {
        let actor: String
        let at: String
        let from: String
        let to: String
        let window: Int
    }

    @Test("watchdog-arm saves the units, current and previous, installs the restore and starts its timer")
    func arm() throws {
        try Watchdog.armed { watchdog, armed throws in
            let host = watchdog.host
            let w = watchdog.w
            #expect(armed.answer["armed"] == "yes")
            #expect(armed.answer["fired"] == nil)
            #expect(try host.shell("cat '\(w)/state'") == "run=run 1\n", "a run id with a space stays one argument")
            #expect(try host.shell("cat '\(w)/enabled' '\(w)/active'") == "\(watchdog.a)\n\(watchdog.a)\n")
            #expect(try host.shell("cat '\(w)/current' '\(w)/previous'") == "old\nolder\n")
            #expect(
                try host.shell("ls -A '\(w)/units' && cat '\(w)/units/\(watchdog.a).d/\(DropInFile.name)'")
                    == "\(watchdog.a)\n\(watchdog.a).d\nold\n", "b did not exist: nothing of it is saved")
            #expect(try host.shell("cat '\(w)/run.sh'") == HostScriptSource.watchdogRestore.text + "\n")
            let inputs = [
                watchdog.units, host.root, watchdog.name, "600", "new", watchdog.actor, watchdog.a, watchdog.b,
            ]
            #expect(try host.shell("cat '\(w)/inputs'") == inputs.map { $0 + "\n" }.joined())
            #expect((590...600).contains(try watchdog.secondsLeft()))
            #expect(try watchdog.timerActive())
        }
    }

    @Test("watchdog-push moves the deadline of its own run's watchdog only")
    func push() throws {
        try Watchdog.armed { watchdog, _ in
            let host = watchdog.host
            try host.shell("echo 100 > '\(watchdog.w)/deadline'")
            let other = try host.run(.watchdogPush, [watchdog.w, "run", "900"])
            #expect(other.status == 0 && other.stdout.isEmpty)
            #expect(try host.shell("cat '\(watchdog.w)/deadline'") == "100\n", "another run's push changes nothing")

            let own = try host.run(.watchdogPush, [watchdog.w, watchdog.run, "900"])
            #expect(own.status == 0 && own.stdout.isEmpty, "\(own.stderr)")
            #expect((890...900).contains(try watchdog.secondsLeft()))
            #expect(!(try watchdog.listing().contains("deadline.new")))
        }
    }

    @Test("watchdog-disarm stops its own run's timer and removes the snapshot; another run's disarm does nothing")
    func disarm() throws {
        try Watchdog.armed { watchdog, _ in
            let host = watchdog.host
            let other = try host.run(.watchdogDisarm, [watchdog.w, "run", watchdog.name])
            #expect(other.status == 0 && other.stdout.isEmpty, "\(other.stdout) \(other.stderr)")
            #expect(try watchdog.timerActive())

            let own = try host.run(.watchdogDisarm, [watchdog.w, watchdog.run, watchdog.name])
            #expect(own.status == 0, "\(own.stderr)")
            #expect(own.answer["disarmed"] == "yes")
            #expect(try watchdog.listing() == ".lock ", "the snapshot, the restore and the deadline are gone")
            #expect(try !watchdog.timerActive())
            #expect(try watchdog.state() == Watchdog.before, "disarming changes nothing the host runs")

            let never = try host.run(.watchdogDisarm, [host.root + "/nowhere", watchdog.run, watchdog.name])
            #expect(never.status != 0, "a watchdog that was never armed cannot be confirmed")
        }
    }

    @Test(
        "watchdog-restore waits for the deadline, then puts back units, states, current and previous and writes fired")
    func restore() throws {
        try Watchdog.armed { watchdog, _ in
            let host = watchdog.host
            try watchdog.deploy()
            #expect(try watchdog.state() == Watchdog.deployed)

            let early = try host.run(.watchdogRestore, [watchdog.w])
            #expect(early.status == 0 && early.stdout.isEmpty, "\(early.stderr)")
            #expect(try watchdog.state() == Watchdog.deployed, "before the deadline nothing is restored")

            try host.shell("echo 0 > '\(watchdog.w)/deadline'")
            let due = try host.run(.watchdogRestore, [watchdog.w], timeout: .seconds(120))
            #expect(due.status == 0 && due.stdout.isEmpty, "\(due.stdout) \(due.stderr)")
            #expect(try watchdog.state() == Watchdog.before)
            #expect(
                try host.shell("cat \(watchdog.units)/\(watchdog.a)").contains("ExecStart=/bin/true"),
                "the saved unit file is back")
            let fired = try watchdog.fired()
            #expect(fired.actor == watchdog.actor, "a quote and a space stay one argument, fired valid JSON")
            #expect(fired.from == "new" && fired.to == "old" && fired.window == 600)
            #expect(try watchdog.listing() == ".lock deadline fired run.sh ")
            try watchdog.host.wait { try !watchdog.timerActive() }
            #expect(try !watchdog.timerActive(), "the watchdog stops its own timer")

            let confirm = try host.run(.watchdogDisarm, [watchdog.w, watchdog.run, watchdog.name])
            #expect(confirm.status == 0)
            #expect(confirm.answer["disarmed"] == nil)
            let handed = try #require(confirm.answer["fired"])
            #expect(try watchdog.fired(handed).to == "old")

            let again = try watchdog.arm()
            #expect(again.answer["fired"] == confirm.answer["fired"], "the next arm hands the firing over once")
            #expect(!(try watchdog.listing().contains("fired")))
        }
    }

    @Test("the timer watchdog-arm starts runs the restore by itself once no push came within the window")
    func fires() throws {
        try Watchdog.armed(window: 2, check: 1) { watchdog, _ in
            try watchdog.deploy()
            try watchdog.host.wait { try watchdog.listing().contains("fired") }
            let fired = try watchdog.fired()
            #expect(fired.from == "new" && fired.to == "old" && fired.window == 2 && fired.actor == watchdog.actor)
            #expect(try watchdog.state() == Watchdog.before)
        }
    }

    @Test(
        "a step of the host's wall clock neither fires the watchdog (ten years ahead) nor holds it back (an hour behind)"
    )
    func wallClockStepMovesNoDeadline() throws {
        try Watchdog.armed { watchdog, _ in
            let host = watchdog.host
            try watchdog.deploy()
            let restore = "sh '\(watchdog.w)/run.sh' '\(watchdog.w)'"
            try host.shell("\(try host.wallClockStep(315_360_000)) \(restore)")
            #expect(try watchdog.state() == Watchdog.deployed, "ten years ahead: 600 s have not passed")
            #expect(!(try watchdog.listing().contains("fired")))

            let push = try host.run(.watchdogPush, [watchdog.w, watchdog.run, "1"])
            #expect(push.status == 0, "\(push.stderr)")
            try watchdog.host.wait { try watchdog.secondsLeft() < 0 }
            try host.shell("\(try host.wallClockStep(-3600)) \(restore)")
            #expect(try watchdog.state() == Watchdog.before, "an hour behind: the 1 s window has passed all the same")
            #expect(try watchdog.fired().from == "new")
        }
    }

    @Test("watchdog-restore-now puts its own run's snapshot back at once and leaves no fired record")
    func restoreNow() throws {
        try Watchdog.armed { watchdog, _ in
            let host = watchdog.host
            try watchdog.deploy()
            let other = try host.run(.watchdogRestoreNow, [watchdog.w, "run"])
            #expect(other.status == 0 && other.stdout.isEmpty, "\(other.stderr)")
            #expect(try watchdog.state() == Watchdog.deployed, "another run's snapshot is not restored")

            let own = try host.run(.watchdogRestoreNow, [watchdog.w, watchdog.run], timeout: .seconds(120))
            #expect(own.status == 0, "\(own.stderr)")
            #expect(own.answer["restored"] == "yes")
            #expect(try watchdog.state() == Watchdog.before)
            #expect(try watchdog.listing() == ".lock deadline run.sh ")
        }
    }

    @Test(
        "watchdog-restore-now given the units a failed deploy touched puts back only those: a running unit it never changed is neither stopped nor restarted"
    )
    func restoreNowOnlyTouched() throws {
        try Watchdog.armed { watchdog, _ in
            let host = watchdog.host
            let started = "systemctl show -p ActiveEnterTimestampMonotonic --value \(watchdog.a)"
            let before = try host.shell(started)
            try host.shell(
                "printf '[Service]\\nType=oneshot\\nExecStart=/bin/true\\n' > \(watchdog.units)/\(watchdog.b) && systemctl daemon-reload"
            )
            let own = try host.run(.watchdogRestoreNow, [watchdog.w, watchdog.run, watchdog.b], timeout: .seconds(120))
            #expect(own.status == 0 && own.answer["restored"] == "yes", "\(own.stderr)")
            #expect(try watchdog.state() == Watchdog.before, "b is gone, a as it was")
            #expect(try host.shell(started) == before, "a kept running: it was not restarted")
            #expect(try watchdog.listing() == ".lock deadline run.sh ")
        }
    }
}
