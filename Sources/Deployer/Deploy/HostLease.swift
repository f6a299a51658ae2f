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

    /// Takes the lock, or renews this lease's own, within `timeout`.
    ///
    /// - Throws: `CommandFailure` (locked, 4) naming the holder and the age of its lock.
    public func take(on host: any RemoteHost, timeout: Duration = .seconds(120)) async throws(CommandFailure) {
        let result = try await HostScript(host: host, timeout: timeout).run(
            .leaseTake,
            [
                layout.shared, layout.lockFile, id, owner, "\(ProcessInfo.processInfo.processIdentifier)", command,
                release, "\(Int(ttl.components.seconds))",
            ])
        if result.exitStatus == 73 {
            let answer = ScriptAnswer(result.stdoutText)
            let now = Int(answer["now"] ?? "") ?? 0
            let left = Int(answer["left"] ?? "")
            guard let holder = answer["holder"].flatMap({ try? JSONDecoder().decode(Holder.self, from: Data($0.utf8)) })
            else {
                throw CommandFailure(
                    .locked, "deploy",
                    "\(host.label): \(layout.lockFile) is held and unreadable; `deployctl lock break` ends it")
            }
            throw CommandFailure(.locked, "deploy", Self.describe(holder, on: host.label, now: now, left: left))
        }
        guard result.succeeded else {
            throw CommandFailure(
                .checkFailed, "host",
                "\(host.label): taking the deploy lock failed (\(result.outcome)): \(result.stderrText)")
        }
    }

    /// Gives the lock back if this lease still holds it.
    public func release(on host: any RemoteHost) async {
        _ = try? await HostScript(host: host).run(.leaseRelease, [layout.shared, layout.lockFile, id])
    }

    /// "another deploy holds …: owner, command release, for N s (expires in M s)"; `left` is the
    /// host's count by its monotonic clock, the wall clock's the fallback.
    static func describe(_ holder: Holder, on host: String, now: Int, left: Int?) -> String {
        "\(host): another deploy holds the lock: \(holder.owner) (pid \(holder.pid)) running `\(holder.command)` of release \(holder.release), "
            + "for \(max(0, now - holder.started)) s (expires in \(max(0, left ?? holder.expires - now)) s unless renewed). "
            + "If that run is dead: deployctl lock break <env> --reason \"…\""
    }
}
