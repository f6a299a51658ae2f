import Console
import Foundation
import SSH

/// One run's lease on every connected host of a session, taken before the run decides anything
/// (the gate, the plan) and renewed in the background until it ends. Each renewal also pushes the
/// deadline of the host's watchdog, if the run armed one. A renewal that fails or is refused is
/// kept in `loss`: the run takes no further step.
public final class DeployLease: Sendable {
    /// This run's id: its lease's and its watchdogs'.
    let run: String
    let held: [HeldHost]
    let loss = LeaseLoss()
    private let renewal: Task<Void, Never>

    struct HeldHost: Sendable {
        let lease: HostLease
        let host: any RemoteHost
    }

    /// Takes the lease on every host in `connections` in the session's order; on a refusal gives
    /// back what it took and throws the refusal (locked, 4: who holds it and for how long).
    static func take(
        run: String, on connections: [any RemoteHost], watchdog: HostWatchdog, make: (String) -> HostLease
    ) async throws(CommandFailure) -> DeployLease {
        var held: [HeldHost] = []
        for connection in connections {
            let lease = make(run)
            do throws(CommandFailure) {
                try await lease.take(on: connection)
                held.append(.init(lease: lease, host: connection))
            } catch {
                for taken in held { await taken.lease.release(on: taken.host) }
                throw error
            }
        }
        return DeployLease(run: run, held: held, watchdog: watchdog)
    }

    private init(run: String, held: [HeldHost], watchdog: HostWatchdog) {
        self.run = run
        self.held = held
        let loss = loss
        let ttl = held.first?.lease.ttl ?? .seconds(600)
        renewal = Task {
            let period = min(ttl / 3, watchdog.pushInterval)
            var sinceRenewal = Duration.zero
            while !Task.isCancelled {
                try? await Task.sleep(for: period)
                if Task.isCancelled { return }
                sinceRenewal += period
                let renew = sinceRenewal >= ttl / 3
                // Every host at once, each bounded by the period: one half-open connection delays
                // neither the other hosts' pushes nor their renewals.
                await withTaskGroup(of: Void.self) { group in
                    for taken in held {
                        group.addTask {
                            await watchdog.push(on: taken.host, run: run, timeout: period)
                            guard renew else { return }
                            do throws(CommandFailure) {
                                try await taken.lease.take(on: taken.host, timeout: period)
                            } catch {
                                loss.record(error, on: taken.host.label)
                            }
                        }
                    }
                }
                if renew { sinceRenewal = .zero }
            }
        }
    }

    /// Stops renewing; the lease then lasts until its TTL or `release(reachable:)`.
    func stopRenewing() { renewal.cancel() }

    /// Gives the lease back on each host still reachable (by name; nil: every host, for a run that
    /// ends before its first step, at a closed gate or a plan that failed); a host cut off lets it expire.
    public func release(reachable: [String: any RemoteHost]? = nil) async {
        stopRenewing()
        for taken in held {
            let connection = reachable.map { $0[taken.host.label] } ?? taken.host
            if let connection { await taken.lease.release(on: connection) }
        }
    }
}

/// The first failed renewal of a run's lease, shared by the renewal task and the steps: once it is
/// set, the deploy takes no further step (another run may hold the hosts now).
final class LeaseLoss: @unchecked Sendable {
    private let lock = NSLock()
    private var first: CommandFailure?

    /// The failure that stops the deploy, if a renewal failed.
    var failure: CommandFailure? { lock.withLock { first } }

    /// Keeps the first failure, phrased as the reason the deploy stopped.
    func record(_ error: CommandFailure, on host: String) {
        lock.withLock {
            guard first == nil else { return }
            first = CommandFailure(
                .locked, "lease",
                "\(host): the deploy lost its lease and stopped before its next step (renewing it: \(error.message))")
        }
    }
}
