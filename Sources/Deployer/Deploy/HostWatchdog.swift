import AuditTrail
import Console
import Foundation
import HostScripts
import SSH

/// The host's own guard against a workstation that vanishes after the switch.
///
/// Before a deploy changes what a host runs, deployctl saves the host's units (with their drop-ins
/// and whether each was enabled and active), `current` and `previous` under
/// `<root>/shared/watchdog/`, writes a deadline in the host's seconds since boot (a step of the
/// wall clock moves it neither way), and starts a transient systemd timer (`systemd-run`) that
/// checks it every few seconds. While deployctl lives it pushes
/// the deadline forward; once the host's post-deploy checks passed it confirms, which stops the
/// timer and removes the snapshot. A workstation that is killed, loses its network or is closed in
/// between stops pushing, and when the deadline passes the host restores the snapshot by itself
/// and writes `fired`, which `status` reports and the next deploy enters in the audit log. The
/// schema stays as the deploy migrated it: undoing migrations needs the admin's password, which
/// never leaves the workstation.
struct HostWatchdog: Sendable {
    /// The transient units' name (`.timer` and `.service`).
    static let unit = "deployctl-watchdog"

    let layout: HostLayout
    /// How long the host waits for the next push of the deadline.
    let window: Duration

    var directory: String { Self.directory(layout) }
    /// The watchdog's folder on a host: its snapshot, deadline, restore script and `fired`.
    static func directory(_ layout: HostLayout) -> String { layout.shared + "/watchdog" }

    var windowSeconds: Int { max(1, Int(window.components.seconds)) }
    /// How often the host checks the deadline: a fifth of the window, between 1 and 5 s.
    var checkSeconds: Int { min(5, max(1, windowSeconds / 5)) }
    /// How often deployctl pushes the deadline: a third of the window.
    var pushInterval: Duration { window / 3 }

    /// What the watchdog did when it fired, as it wrote it in `fired`.
    struct Fired: Sendable, Codable, Equatable {
        let at: String
        /// The release it took off the host (the unconfirmed one).
        let from: String
        /// The release it put back, empty when the host ran none.
        let to: String
        let actor: String
        let window: Int
    }

    /// Saves what the host runs now and starts the timer. Returns an earlier firing's record that
    /// is still to be entered in the audit log (and removes it from the host).
    func arm(
        on host: any RemoteHost, run: String, release: String, actor: String, units: [String],
    ) async throws(CommandFailure) -> Fired? {
        let result = try await HostScript(host: host).require(
            .watchdogArm,
            [
                directory, layout.root, layout.unitsDirectory, Self.unit, "\(windowSeconds)", "\(checkSeconds)", run,
                release, actor, HostScriptSource.watchdogRestore.text,
            ] + units, step: "arming the host's watchdog")
        let answer = ScriptAnswer(result.stdoutText)
        guard answer["armed"] == "yes" else {
            throw CommandFailure(
                .checkFailed, "watchdog",
                "\(host.label): the watchdog could not be armed: \(result.stderrText); nothing was switched")
        }
        return Self.fired(answer)
    }

    /// Pushes the deadline forward, if the watchdog armed by `run` still waits; gives up after `timeout`.
    func push(on host: any RemoteHost, run: String, timeout: Duration) async {
        _ = try? await HostScript(host: host, timeout: timeout).run(
            .watchdogPush, [directory, run, "\(windowSeconds)"])
    }

    /// Stops the watchdog armed by `run` and removes its snapshot. Returns what it did if it fired first.
    @discardableResult
    func disarm(on host: any RemoteHost, run: String) async throws(CommandFailure) -> Fired? {
        let result = try await HostScript(host: host).require(
            .watchdogDisarm, [directory, run, Self.unit], step: "confirming the deploy to the host's watchdog")
        return Self.fired(ScriptAnswer(result.stdoutText))
    }

    /// Puts back at once what the snapshot of the watchdog armed by `run` saved of `units` (a
    /// deploy that failed before its switch: the units it touched); true if it did.
    func restoreNow(on host: any RemoteHost, run: String, units: [String]) async -> Bool {
        let result = try? await HostScript(host: host).run(.watchdogRestoreNow, [directory, run] + units)
        return ScriptAnswer(result?.stdoutText ?? "")["restored"] == "yes"
    }

    /// The firing's record a script printed as `fired=<JSON>`.
    private static func fired(_ answer: ScriptAnswer) -> Fired? {
        answer["fired"].flatMap { try? JSONDecoder().decode(Fired.self, from: Data($0.utf8)) }
    }

    /// The audit entry of a firing: the host restored a release by itself.
    static func auditRecord(_ fired: Fired, environment: String, host: String) -> AuditRecord {
        AuditRecord(
            command: "watchdog rollback", environment: environment, host: host, actor: fired.actor, release: fired.from,
            result: "failed", seconds: 0,
            changes: ["restored \(fired.to.isEmpty ? "no release" : fired.to) at \(fired.at)"],
            detail:
                "deployctl did not confirm the deploy within \(fired.window) s; the host's watchdog restored the previous release, units and timer (the schema stays as the deploy migrated it)"
        )
    }
}
