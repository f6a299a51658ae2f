import Environments
import Foundation
import SSH

/// `deployctl trust`: records a host's key in the environment's known_hosts file after the user
/// (or a pinned fingerprint) has vouched for it. A key that differs from a recorded one is never
/// replaced here: that needs a person to remove the old line on purpose.
public struct HostTrust: Sendable {
    /// What trusting one host came to.
    public enum Outcome: Sendable, Equatable {
        /// The key was already in known_hosts.
        case alreadyTrusted(HostKey)
        /// The key was written to known_hosts.
        case recorded(HostKey, file: String)
        /// The user declined.
        case declined(HostKey)
        /// The host could not be asked (unreachable, changed key, pin mismatch…).
        case failed(String)
    }

    /// Decides whether an unknown key may be recorded; gets the host and the key, returns yes or no.
    public typealias Confirmation = @Sendable (Environment.Host, HostKey) -> Bool

    public let host: Environment.Host

    public init(host: Environment.Host) { self.host = host }

    /// Connects far enough to see the host key and records it when `confirm` agrees; a key that
    /// matches the pinned `host_key` is recorded without asking.
    public func run(confirm: Confirmation) async -> Outcome {
        let configuration: SSHConfiguration
        do throws(SSHError) {
            configuration = try host.sshConfiguration()
        } catch {
            return .failed(error.description)
        }
        let presented: HostKey
        do throws(SSHError) {
            let connection = try await SSHConnection.open(configuration)
            presented = connection.hostKey
            connection.close()
        } catch where error.code == .unknownHostKey || error.code == .authenticationFailed && error.presentedKey != nil {
            presented = error.presentedKey!
        } catch {
            return .failed(error.description)
        }
        do throws(SSHError) {
            let knownHosts = try KnownHosts.load(path: host.knownHostsFile)
            switch knownHosts.verify(presented, host: host.address, port: host.port) {
            case .trusted:
                return .alreadyTrusted(presented)
            case .changed(let line), .revoked(let line):
                return .failed("\(host.name): \(knownHosts.path) line \(line) records another key for this host; not replacing it")
            case .unknown:
                let pinned = host.hostKeyFingerprint == presented.fingerprint
                guard pinned || confirm(host, presented) else { return .declined(presented) }
                try KnownHosts.append(presented, host: host.address, port: host.port, to: host.knownHostsFile, comment: "deployctl:\(host.name)")
                return .recorded(presented, file: host.knownHostsFile)
            }
        } catch {
            return .failed(error.description)
        }
    }
}
