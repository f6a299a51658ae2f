import Console
import Environments
import Foundation
import SSH

/// `deployctl trust`: records a host's key in the environment's known_hosts file after the user
/// (or a pinned fingerprint) has vouched for it; for a host behind jump hosts, each jump host's key
/// first (in its own known_hosts file), then the host's. A key that differs from a recorded one is
/// never replaced here: that needs a person to remove the old line on purpose.
public enum HostTrust {
    /// What trusting one key came to.
    public enum Outcome: Sendable {
        /// The key was already in known_hosts.
        case alreadyTrusted(HostKey)
        /// The key was written to known_hosts.
        case recorded(HostKey, file: String)
        /// The user declined (or could not be asked).
        case declined(HostKey, asked: Bool)
        /// The host could not be asked (unreachable, changed key, pin mismatch…).
        case failed(HostFailure)
        /// A jump host the connection went through, so its key is recorded already.
        case passedThrough
    }

    /// A server whose key is being decided on: a host of the environment or one of its jump hosts.
    public struct Subject: Sendable {
        /// The environment's host.
        public let host: Environment.Host
        /// The jump host in front of `host` (1 for the first), or nil for the host itself.
        public let jumpHost: Int?
        /// Where the key is looked up and recorded.
        public let address: String
        public let port: Int
        public let knownHostsFile: String
        /// The fingerprint the environment file pins, for the host itself.
        public let pinnedFingerprint: String?

        /// `museshow`, or `museshow's jump host 1 (etl@bastion)`.
        public var label: String {
            guard let jumpHost else { return host.name }
            return "\(host.name)'s jump host \(jumpHost) (\(host.jumps[jumpHost - 1].name))"
        }

        init(_ host: Environment.Host, jumpHost: Int?) {
            self.host = host
            self.jumpHost = jumpHost
            if let jumpHost {
                let jump = host.jumps[jumpHost - 1]
                (address, port, knownHostsFile, pinnedFingerprint) = (jump.address, jump.port, jump.knownHostsFile, nil)
            } else {
                (address, port, knownHostsFile) = (host.address, host.port, host.knownHostsFile)
                pinnedFingerprint = host.hostKeyFingerprint
            }
        }
    }

    /// Decides whether an unknown key may be recorded; gets the server and the key, returns yes, no,
    /// or nil when nobody could be asked.
    public typealias Confirmation = @Sendable (Subject, HostKey) -> Bool?

    /// Every host's outcome, in host order.
    public struct Report: CommandOutput {
        public struct Row: Sendable, Encodable {
            public let host: String
            /// The jump host the row is about (1 for the first), or nil for the host itself.
            public let jumpHost: Int?
            public let outcome: String
            public let keyType: String?
            public let fingerprint: String?
            public let detail: String?
            let status: CheckStatus

            enum CodingKeys: String, CodingKey { case host, jumpHost, outcome, keyType, fingerprint, detail }

            init(
                _ subject: (host: String, jumpHost: Int?), outcome: String, key: HostKey?, detail: String?,
                status: CheckStatus
            ) {
                host = subject.host
                jumpHost = subject.jumpHost
                self.outcome = outcome
                keyType = key?.displayType
                fingerprint = key?.fingerprint
                self.detail = detail
                self.status = status
            }
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
                rows.map { row in
                    [
                        terminal.status(row.status), row.host + (row.jumpHost.map { " jump host \($0)" } ?? ""),
                        row.outcome, row.fingerprint ?? "", row.detail ?? "",
                    ]
                })
        }

        init(_ outcomes: [(host: String, jumpHost: Int?, outcome: Outcome)]) {
            rows = outcomes.map { host, jumpHost, outcome in
                let subject = (host, jumpHost)
                switch outcome {
                case .alreadyTrusted(let key):
                    return Row(subject, outcome: "trusted", key: key, detail: "already recorded", status: .ok)
                case .recorded(let key, let file):
                    return Row(subject, outcome: "recorded", key: key, detail: "added to \(file)", status: .ok)
                case .declined(let key, let asked):
                    return Row(
                        subject, outcome: "declined", key: key,
                        detail: asked
                            ? "not recorded"
                            : "not recorded: no terminal to ask; check the fingerprint, then rerun with --yes or pin host_key in the environment file",
                        status: .warn)
                case .failed(let failure):
                    return Row(subject, outcome: "failed", key: nil, detail: failure.description, status: .fail)
                case .passedThrough:
                    return Row(
                        subject, outcome: "trusted", key: nil, detail: "already recorded (connected through it)",
                        status: .ok)
                }
            }
        }
    }

    /// Looks at the key each host of `session` presented, one host after another (a person may be
    /// asked about each), and records it when `confirm` agrees; a key that matches the pinned
    /// `host_key` is recorded without asking. For a host behind jump hosts, an unknown jump host
    /// key is decided on first, then the host is connected again to see the next key.
    public static func run(in session: EnvironmentSession, confirm: @escaping Confirmation) async -> Report {
        var outcomes: [(host: String, jumpHost: Int?, outcome: Outcome)] = []
        for link in session.links {
            let host = link.host
            var attempt = link.connection
            var reconnected: (any RemoteHost)?
            for _ in 0...host.jumps.count {
                switch attempt {
                case .success(let connection):
                    let decided = Set(outcomes.filter { $0.host == host.name }.compactMap(\.jumpHost))
                    for number in host.jumps.indices.map({ $0 + 1 }) where !decided.contains(number) {
                        outcomes.append((host.name, number, .passedThrough))
                    }
                    let subject = Subject(host, jumpHost: nil)
                    outcomes.append((host.name, nil, decide(subject, presented: connection.hostKey, confirm: confirm)))
                case .failure(let failure):
                    let error = failure.error
                    guard let presented = error.presentedKey,
                        error.code == .unknownHostKey || error.code == .authenticationFailed
                    else {
                        outcomes.append((host.name, nil, .failed(failure)))
                        break
                    }
                    let jumpHost = error.keyEndpoint?.jumpHost.flatMap {
                        host.jumps.indices.contains($0 - 1) ? $0 : nil
                    }
                    let outcome = decide(Subject(host, jumpHost: jumpHost), presented: presented, confirm: confirm)
                    outcomes.append((host.name, jumpHost, outcome))
                    guard jumpHost != nil, case .recorded = outcome else { break }
                    reconnected?.close()
                    attempt = await session.reconnect(host)
                    reconnected = try? attempt.get()
                    continue
                }
                break
            }
            reconnected?.close()
        }
        return Report(outcomes)
    }

    private static func decide(_ subject: Subject, presented: HostKey, confirm: Confirmation) -> Outcome {
        let host = subject.host
        do throws(SSHError) {
            let knownHosts = try KnownHosts.load(path: subject.knownHostsFile)
            switch knownHosts.verify(presented, host: subject.address, port: subject.port) {
            case .trusted:
                return .alreadyTrusted(presented)
            case .changed(let line), .revoked(let line):
                return .failed(
                    HostFailure(
                        host: host.name,
                        error: SSHError(
                            .hostKeyChanged,
                            "\(subject.label): \(knownHosts.path) line \(line) records another key for this host; not replacing it"
                        )))
            case .unknown:
                if subject.pinnedFingerprint != presented.fingerprint {
                    guard let answer = confirm(subject, presented) else { return .declined(presented, asked: false) }
                    guard answer else { return .declined(presented, asked: true) }
                }
                try KnownHosts.append(
                    presented, host: subject.address, port: subject.port, to: subject.knownHostsFile,
                    comment: "deployctl:\(host.name)" + (subject.jumpHost.map { ":jump\($0)" } ?? ""))
                return .recorded(presented, file: subject.knownHostsFile)
            }
        } catch {
            return .failed(HostFailure(host: host.name, error: error))
        }
    }
}
