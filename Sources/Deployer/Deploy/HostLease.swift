import Console
import Foundation
import HostScripts
import SSH

/// The deploy lock on one host: `<root>/shared/deploy.lock`, one JSON object naming who holds it
/// (user@workstation, pid, command, release, since, until). Taking it is atomic (under `flock`),
/// it is renewed while the deploy lives, and a crashed deploy's lock expires at its TTL, judged
/// by the host's clock alone, so a workstation's clock never matters.
public struct HostLease: Sendable {
    /// Who holds a lock.
    public struct Holder: Sendable, Codable, Equatable {
        public let id: String
        public let owner: String
        public let pid: Int32
        public let command: String
        public let release: String
        /// Seconds since 1970 by the host's clock.
        public let started: Int
        public let expires: Int
    }

    public let layout: HostLayout
    public let id: String
    public let owner: String
    public let command: String
    public let release: String
    public let ttl: Duration

    /// `id` names this run's hold on the lock; one run uses one on every host.
    public init(
        layout: HostLayout, owner: String, command: String, release: String, ttl: Duration = .seconds(600),
        id: String = UUID().uuidString
    ) {
        self.layout = layout
        self.id = id
        self.owner = owner
        self.command = command
        self.release = release
        self.ttl = ttl
    }

    /// The acquire-or-renew script: exits 73 printing the holder when someone else holds the lock.
    private var takeScript: String {
        let seconds = Int(ttl.components.seconds)
        let head =
            #"{"command":"\#(command)","id":"\#(id)","owner":"\#(owner)","pid":\#(ProcessInfo.processInfo.processIdentifier),"release":"\#(release)","started":"#
        let lock = layout.lockFile.shellQuoted
        return """
            mkdir -p \(layout.shared.shellQuoted)
            exec 9>>\(layout.shared.shellQuoted)/.deploy.lock.flock
            flock -w 10 9
            now=$(date +%s)
            started=$now
            if [ -f \(lock) ]; then
              expires=$(sed -n 's/.*"expires":\\([0-9]*\\).*/\\1/p' \(lock))
              holder=$(sed -n 's/.*"id":"\\([^"]*\\)".*/\\1/p' \(lock))
              if [ "$holder" = \(id.shellQuoted) ]; then
                started=$(sed -n 's/.*"started":\\([0-9]*\\).*/\\1/p' \(lock))
              elif [ "${expires:-0}" -gt "$now" ]; then
                echo "now=$now"; echo "holder=$(cat \(lock))"; exit 73
              fi
            fi
            printf '%s%s,"expires":%s}\\n' \(head.shellQuoted) "$started" "$((now + \(seconds)))" > \(lock).tmp
            mv \(lock).tmp \(lock)
            echo "taken=$now"
            """
    }

    /// Takes the lock, or renews this lease's own.
    ///
    /// - Throws: `CommandFailure` (locked, 4) naming the holder and the age of its lock.
    public func take(on host: any RemoteHost) async throws(CommandFailure) {
        let result = try await HostScript(host: host).run(takeScript)
        if result.exitStatus == 73 {
            let answer = ScriptAnswer(result.stdoutText)
            let now = Int(answer["now"] ?? "") ?? 0
            guard let holder = answer["holder"].flatMap({ try? JSONDecoder().decode(Holder.self, from: Data($0.utf8)) })
            else {
                throw CommandFailure(
                    .locked, "deploy",
                    "\(host.label): \(layout.lockFile) is held and unreadable; `deployctl lock break` ends it")
            }
            throw CommandFailure(.locked, "deploy", Self.describe(holder, on: host.label, now: now))
        }
        guard result.succeeded else {
            throw CommandFailure(
                .checkFailed, "host",
                "\(host.label): taking the deploy lock failed (\(result.outcome)): \(result.stderrText)")
        }
    }

    /// Gives the lock back if this lease still holds it.
    public func release(on host: any RemoteHost) async {
        let lock = layout.lockFile.shellQuoted
        _ = try? await host.run(
            """
            exec 9>>\(layout.shared.shellQuoted)/.deploy.lock.flock; flock -w 10 9
            if [ "$(sed -n 's/.*"id":"\\([^"]*\\)".*/\\1/p' \(lock) 2>/dev/null)" = \(id.shellQuoted) ]; then rm -f \(lock); fi
            """)
    }

    /// "another deploy holds …: owner, command release, for N s (expires in M s)".
    static func describe(_ holder: Holder, on host: String, now: Int) -> String {
        "\(host): another deploy holds the lock: \(holder.owner) (pid \(holder.pid)) running `\(holder.command)` of release \(holder.release), "
            + "for \(max(0, now - holder.started)) s (expires in \(max(0, holder.expires - now)) s unless renewed). "
            + "If that run is dead: deployctl lock break <env> --reason \"…\""
    }
}
