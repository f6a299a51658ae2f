import Console
import Environments
import Foundation
import SSH

/// `deployctl trust`: records a host's key in the environment's known_hosts file after the user
/// (or a pinned fingerprint) has vouched for it. A key that differs from a recorded one is never
/// replaced here: that needs a person to remove the old line on purpose.
public enum HostTrust {
    /// What trusting one host came to.
    public enum Outcome: Sendable {
        /// The key was already in known_hosts.
        case alreadyTrusted(HostKey)
        /// The key was written to known_hosts.
        case recorded(HostKey, file: String)
        /// The user declined (or could not be asked).
        case declined(HostKey, asked: Bool)
        /// The host could not be asked (unreachable, changed key, pin mismatch…).
        case failed(HostFailure)
    }

    /// Decides whether an unknown key may be recorded; gets the host and the key, returns yes, no,
    /// or nil when nobody could be asked.
    public typealias Confirmation = @Sendable (Environment.Host, HostKey) -> Bool?

    /// Every host's outcome, in host order.
    public struct Report: CommandOutput {
        public struct Row: Sendable, Encodable {
            public let host: String
            public let outcome: String
            public let keyType: String?
            public let fingerprint: String?
            public let detail: String?
            let status: CheckStatus

            enum CodingKeys: String, CodingKey { case host, outcome, keyType, fingerprint, detail }
        }

        public let rows: [Row]

        /// A host that could not be asked is unreachable (3); a declined key is a failed check (1).
        public var verdict: Verdict {
            if rows.contains(where: { $0.outcome == "failed" }) { return .unreachable }
            if rows.contains(where: { $0.outcome == "declined" }) { return .checkFailed }
            return .success
        }

        public var failureSummary: String {
            let failed = rows.filter { $0.status != .ok }
            return failed.map { "\($0.host): \($0.detail ?? $0.outcome)" }.joined(separator: "; ")
        }

        public func render(_ terminal: Terminal) -> String {
            Terminal.table(
                rows.map { [terminal.status($0.status), $0.host, $0.outcome, $0.fingerprint ?? "", $0.detail ?? ""] })
        }

        init(_ outcomes: [(String, Outcome)]) {
            rows = outcomes.map { host, outcome in
                switch outcome {
                case .alreadyTrusted(let key):
                    Row(
                        host: host, outcome: "trusted", keyType: key.displayType, fingerprint: key.fingerprint,
                        detail: "already recorded", status: .ok)
                case .recorded(let key, let file):
                    Row(
                        host: host, outcome: "recorded", keyType: key.displayType, fingerprint: key.fingerprint,
                        detail: "added to \(file)", status: .ok)
                case .declined(let key, let asked):
                    Row(
                        host: host, outcome: "declined", keyType: key.displayType, fingerprint: key.fingerprint,
                        detail: asked
                            ? "not recorded"
                            : "not recorded: no terminal to ask; check the fingerprint, then rerun with --yes or pin host_key in the environment file",
                        status: .warn)
                case .failed(let failure):
                    Row(
                        host: host, outcome: "failed", keyType: nil, fingerprint: nil, detail: failure.description,
                        status: .fail)
                }
            }
        }
    }

    /// Looks at the key each host of `session` presented, one host after another (a person may be
    /// asked about each), and records it when `confirm` agrees; a key that matches the pinned
    /// `host_key` is recorded without asking.
    public static func run(in session: EnvironmentSession, confirm: @escaping Confirmation) async -> Report {
        let outcomes = await session.eachHost(
            concurrently: false,
            { host, connection in
                (host.name, decide(host, presented: connection.hostKey, confirm: confirm))
            },
            unreachable: { host, failure in
                let error = failure.error
                guard let presented = error.presentedKey,
                    error.code == .unknownHostKey || error.code == .authenticationFailed
                else {
                    return (host.name, .failed(failure))
                }
                return (host.name, decide(host, presented: presented, confirm: confirm))
            })
        return Report(outcomes)
    }

    private static func decide(_ host: Environment.Host, presented: HostKey, confirm: Confirmation) -> Outcome {
        do throws(SSHError) {
            let knownHosts = try KnownHosts.load(path: host.knownHostsFile)
            switch knownHosts.verify(presented, host: host.address, port: host.port) {
            case .trusted:
                return .alreadyTrusted(presented)
            case .changed(let line), .revoked(let line):
                return .failed(
                    HostFailure(
                        host: host.name,
                        error: SSHError(
                            .hostKeyChanged,
                            "\(host.name): \(knownHosts.path) line \(line) records another key for this host; not replacing it"
                        )))
            case .unknown:
                if host.hostKeyFingerprint != presented.fingerprint {
                    guard let answer = confirm(host, presented) else { return .declined(presented, asked: false) }
                    guard answer else { return .declined(presented, asked: true) }
                }
                try KnownHosts.append(
                    presented, host: host.address, port: host.port, to: host.knownHostsFile,
                    comment: "deployctl:\(host.name)")
                return .recorded(presented, file: host.knownHostsFile)
            }
        } catch {
            return .failed(HostFailure(host: host.name, error: error))
        }
    }
}
