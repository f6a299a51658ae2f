import Console
import Foundation
import HostScripts
import SSH

/// The host's own guard against a workstation that vanishes after the switch.
///
/// Before a deploy changes what a host runs, deployctl saves the host's units (with their drop-ins
/// and whether each was enabled and active), `current` and `previous` under
/// `<root>/shared/watchdog/`, writes a deadline by the host's clock, and starts a transient
/// systemd timer (`systemd-run`) that checks it every few seconds. While deployctl lives it pushes
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

    var directory: String { layout.shared + "/watchdog" }
    static func firedMarker(_ layout: HostLayout) -> String { layout.shared + "/watchdog/fired" }

    /// The snapshot's files under the watchdog's folder, removed once it is restored or confirmed.
    static let snapshot = #""$w/state" "$w/units" "$w/enabled" "$w/active" "$w/current" "$w/previous""#

    /// A shell test: the watchdog armed by `run` still waits (`$w` is its folder).
    static func armed(by run: String) -> String {
        #"[ "$(cat "$w/state" 2>/dev/null)" = run="# + run.shellQuoted + " ]"
    }

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
        let w = directory.shellQuoted
        let names = units.map(\.shellQuoted).joined(separator: " ")
        let result = try await HostScript(host: host).require(
            """
            w=\(w); d=\(layout.unitsDirectory.shellQuoted)
            mkdir -p "$w"
            exec 9>>"$w/.lock"; flock -w 10 9
            if [ -f "$w/fired" ]; then echo "fired=$(cat "$w/fired")"; rm -f "$w/fired"; fi
            systemctl stop \(Self.unit).timer \(Self.unit).service 2>/dev/null || true
            systemctl reset-failed \(Self.unit).timer \(Self.unit).service 2>/dev/null || true
            rm -rf "$w/units" "$w/state"; mkdir -p "$w/units"
            for u in \(names); do
              if [ -e "$d/$u" ]; then cp -a "$d/$u" "$w/units/$u"; fi
              if [ -d "$d/$u.d" ]; then cp -a "$d/$u.d" "$w/units/$u.d"; fi
              if [ "$(systemctl is-enabled "$u" 2>/dev/null || true)" = enabled ]; then echo "$u" >> "$w/enabled"; fi
              if [ "$(systemctl show -p ActiveState --value "$u" 2>/dev/null || true)" = active ]; then echo "$u" >> "$w/active"; fi
            done
            touch "$w/enabled" "$w/active"
            c=$(readlink \(layout.current.shellQuoted) 2>/dev/null || true)
            printf '%s\\n' "${c##*/}" > "$w/current"
            if [ -f \(layout.shared.shellQuoted)/previous ]; then cp \(layout.shared.shellQuoted)/previous "$w/previous"; else rm -f "$w/previous"; fi
            echo $(($(date +%s) + \(windowSeconds))) > "$w/deadline"
            cat > "$w/run.sh" <<'DEPLOYCTL_WATCHDOG'
            \(script(release: release, actor: actor, names: names))
            DEPLOYCTL_WATCHDOG
            printf 'run=%s\\n' \(run.shellQuoted) > "$w/state"
            systemd-run --quiet --unit=\(Self.unit) --description='deployctl: restore the previous release unless the deploy of \(release) is confirmed' \\
              --on-active=\(checkSeconds)s --on-unit-active=\(checkSeconds)s --timer-property=AccuracySec=1s /bin/sh "$w/run.sh"
            echo armed=yes
            """, step: "arming the host's watchdog")
        let answer = ScriptAnswer(result.stdoutText)
        guard answer["armed"] == "yes" else {
            throw CommandFailure(
                .checkFailed, "watchdog",
                "\(host.label): the watchdog could not be armed: \(result.stderrText); nothing was switched")
        }
        return answer["fired"].flatMap { try? JSONDecoder().decode(Fired.self, from: Data($0.utf8)) }
    }

    /// What the host runs when the deadline passed: the units, `current`, `previous`, the enabled
    /// and active states put back, `fired` written, and its own timer stopped.
    private func script(release: String, actor: String, names: String) -> String {
        let units = layout.unitsDirectory.shellQuoted
        let fired = #"{"actor":"%s","at":"%s","from":"%s","to":"%s","window":%s}"#
        return """
            #!/bin/sh
            # deployctl's watchdog for the deploy of \(release): restores the saved release unless deployctl confirms it in time.
            w=\(directory.shellQuoted)
            exec 9>>"$w/.lock"; flock -w 30 9 || exit 0
            [ -f "$w/state" ] || exit 0
            [ "$(date +%s)" -lt "$(cat "$w/deadline")" ] && exit 0
            systemctl stop \(names) 2>/dev/null
            for u in \(names); do systemctl disable "$u" 2>/dev/null; rm -rf \(units)/"$u" \(units)/"$u.d"; done
            for u in \(names); do
              [ -e "$w/units/$u" ] && cp -a "$w/units/$u" \(units)/"$u"
              [ -d "$w/units/$u.d" ] && cp -a "$w/units/$u.d" \(units)/"$u.d"
            done
            systemctl daemon-reload
            old=$(cat "$w/current")
            if [ -n "$old" ]; then
              ln -sfn "releases/$old" \(layout.current.shellQuoted).deployctl-new && mv -T \(layout.current.shellQuoted).deployctl-new \(layout.current.shellQuoted)
            else
              rm -f \(layout.current.shellQuoted)
            fi
            if [ -f "$w/previous" ]; then cp "$w/previous" \(layout.shared.shellQuoted)/previous; else rm -f \(layout.shared.shellQuoted)/previous; fi
            while read -r u; do systemctl enable --quiet "$u"; done < "$w/enabled"
            while read -r u; do systemctl restart "$u"; done < "$w/active"
            printf '\(fired)\\n' \(actor.shellQuoted) "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \(release.shellQuoted) "$old" \(windowSeconds) > "$w/fired"
            rm -rf \(Self.snapshot)
            logger -t deployctl-watchdog "deployctl did not confirm the deploy of \(release) within \(windowSeconds) s: restored ${old:-no release}"
            systemctl stop --no-block \(Self.unit).timer
            """
    }

    /// Pushes the deadline forward, if the watchdog armed by `run` still waits.
    func push(on host: any RemoteHost, run: String) async {
        let w = directory.shellQuoted
        _ = try? await host.run(
            """
            w=\(w); \(Self.armed(by: run)) || exit 0
            echo $(($(date +%s) + \(windowSeconds))) > "$w/deadline.new" && mv "$w/deadline.new" "$w/deadline"
            """)
    }

    /// Stops the watchdog armed by `run` and removes its snapshot. Returns what it did if it fired first.
    @discardableResult
    func disarm(on host: any RemoteHost, run: String) async throws(CommandFailure) -> Fired? {
        let w = directory.shellQuoted
        let result = try await HostScript(host: host).require(
            """
            w=\(w)
            exec 9>>"$w/.lock"; flock -w 30 9
            if \(Self.armed(by: run)); then
              systemctl stop \(Self.unit).timer 2>/dev/null || true
              systemctl reset-failed \(Self.unit).timer \(Self.unit).service 2>/dev/null || true
              rm -rf \(Self.snapshot) "$w/run.sh" "$w/deadline"
              echo disarmed=yes
            elif [ -f "$w/fired" ]; then
              echo "fired=$(cat "$w/fired")"
            fi
            """, step: "confirming the deploy to the host's watchdog")
        return ScriptAnswer(result.stdoutText)["fired"].flatMap {
            try? JSONDecoder().decode(Fired.self, from: Data($0.utf8))
        }
    }

    /// Puts the snapshot of the watchdog armed by `run` back at once (a deploy that failed before
    /// its switch, with units already installed); true if it did.
    func restoreNow(on host: any RemoteHost, run: String) async -> Bool {
        let w = directory.shellQuoted
        let result = try? await HostScript(host: host).run(
            """
            w=\(w)
            \(Self.armed(by: run)) || exit 0
            echo 0 > "$w/deadline"
            sh "$w/run.sh"
            rm -f "$w/fired"
            echo restored=yes
            """)
        return ScriptAnswer(result?.stdoutText ?? "")["restored"] == "yes"
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
