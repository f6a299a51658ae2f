import Console
import Deployer
import Foundation
import SSH
import Verify

extension GlobalOptions {
    /// Runs `work` with its progress on a terminal (see `ProgressBoard`): the step each host is on,
    /// the bundle's bytes, rate and time left, the migration statement, the verify area; one line
    /// per host. The lines are erased before `work` returns, so the output after them is the same
    /// as without a terminal. Without a terminal on standard error, or with `--json`, `work` just runs.
    func withProgress<T>(_ work: () async throws -> T) async rethrows -> T {
        guard let board = ProgressBoard.onStandardError(json: json, color: color) else { return try await work() }
        defer { board.finish() }
        let uploads = UploadClock()
        let transfer: TransferProgress.Observer = { host, sent, total in
            board.update(
                host, ProgressBoard.transferText(sent: sent, total: total, seconds: uploads.seconds(host)),
                frequent: true)
        }
        let deploy: DeployProgress.Observer = { event in
            switch event {
            case .step(let step):
                // A migration step has no host: the migrator's own lines say more (the statement).
                guard let host = step.host?.value else { return }
                let words = step.description.split(separator: " ").map(String.init)
                uploads.restart(host)
                board.update(host, ([words[0]] + words.dropFirst(2)).joined(separator: " "))
            case .migration(let line): board.update("migrations", line)
            }
        }
        let verify: VerifyProgress.Observer = { host, area in board.update(host, "verify: \(area.rawValue)") }
        return try await TransferProgress.$observer.withValue(transfer) {
            try await DeployProgress.$observer.withValue(deploy) {
                try await VerifyProgress.$observer.withValue(verify) { try await work() }
            }
        }
    }
}

/// When each host's current step started, for an upload's rate.
private final class UploadClock: @unchecked Sendable {
    private let lock = NSLock()
    private var started: [String: ContinuousClock.Instant] = [:]

    func restart(_ host: String) { lock.withLock { started[host] = .now } }

    /// Seconds since `host`'s step started (since the first call when none did).
    func seconds(_ host: String) -> Double {
        lock.withLock {
            let start = started[host] ?? .now
            started[host] = start
            return start.duration(to: .now).secondsValue
        }
    }
}
