import Environments
import Foundation
import SSH

/// How a session reaches one host: over SSH by default; tests can hand in another `RemoteHost`.
public struct HostConnector: Sendable {
    /// Connects to `host`, giving up after the duration.
    public let connect: @Sendable (Environment.Host, Duration) async throws(SSHError) -> any RemoteHost

    public init(connect: @escaping @Sendable (Environment.Host, Duration) async throws(SSHError) -> any RemoteHost) {
        self.connect = connect
    }

    /// A libssh2 connection per host, configured from the environment file and ssh_config
    /// (passphrases from `processEnvironment`); hosts behind the same jump hosts share one
    /// connection to each of them.
    public static func ssh(processEnvironment: [String: String] = ProcessInfo.processInfo.environment) -> HostConnector
    {
        let jumpHosts = SSHJumpPool()
        return HostConnector { host, timeout throws(SSHError) in
            var configuration = try host.sshConfiguration(processEnvironment: processEnvironment)
            configuration.connectTimeout = min(configuration.connectTimeout, timeout)
            for index in configuration.jumpHosts.indices {
                configuration.jumpHosts[index].connectTimeout = min(
                    configuration.jumpHosts[index].connectTimeout, timeout)
            }
            let connection = try await jumpHosts.open(configuration)
            return host.become == .sudo && host.user != "root" ? SudoHost(connection, user: host.user) : connection
        }
    }
}

/// Why one host of a session cannot be used; keeps the SSH error with its code.
public struct HostFailure: Error, Sendable, CustomStringConvertible {
    /// The host's name in the environment.
    public let host: String
    /// What the SSH layer said.
    public let error: SSHError

    public init(host: String, error: SSHError) {
        self.host = host
        self.error = error
    }

    public var description: String {
        let text = error.description
        return text.hasPrefix(host + ":") ? text : "\(host): \(text)"
    }
}

extension HostFailure: Encodable {
    enum CodingKeys: String, CodingKey { case host, code, message }

    /// `{"host": …, "code": "<SSHError code>", "message": …}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(host, forKey: .host)
        try container.encode(error.code.rawValue, forKey: .code)
        try container.encode(description, forKey: .message)
    }
}
