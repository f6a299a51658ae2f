extension Environment {
    /// One machine of an environment, with every SSH setting resolved.
    ///
    /// The `[ssh]` table of the file supplies defaults; a `[[hosts]]` entry may override the port,
    /// the user and the identity file.
    public struct Host: Sendable, Hashable {
        /// The host's short name, unique within its environment (`[a-z0-9][a-z0-9-]*`).
        public var name: String

        /// The DNS name, IPv4 or IPv6 address to connect to.
        public var address: String

        /// The SSH port.
        public var port: Int

        /// The account to log in as.
        public var user: String

        /// The absolute path of the private key on the workstation, or `nil` to rely on the agent.
        public var identityFile: String?

        /// The name of the workstation environment variable that holds the key's passphrase, if the key has one.
        public var identityPassphraseEnv: String?

        /// Whether to offer the keys of a running `ssh-agent`.
        public var useAgent: Bool

        /// The absolute path of the `known_hosts` file used to verify the host's key.
        public var knownHostsFile: String

        /// The pinned host key fingerprint in OpenSSH's `SHA256:…` form; `nil` trusts `knownHostsFile` alone.
        public var hostKeyFingerprint: String?

        /// How long to wait for the TCP connection and SSH handshake.
        public var connectTimeout: Duration

        /// The interval between SSH keepalive messages; `.zero` turns keepalives off.
        public var keepalive: Duration

        /// How long one remote command may run before it is abandoned.
        public var commandTimeout: Duration

        /// How privileged steps run when `user` is not root: `sudo` runs them through `sudo -n`.
        public var become: Become?

        /// A way to become root.
        public enum Become: String, Sendable, Hashable, CaseIterable {
            case sudo
        }

        /// Creates a host from already resolved settings.
        public init(
            name: String,
            address: String,
            port: Int = 22,
            user: String,
            identityFile: String? = nil,
            identityPassphraseEnv: String? = nil,
            useAgent: Bool = true,
            knownHostsFile: String,
            hostKeyFingerprint: String? = nil,
            connectTimeout: Duration = .seconds(10),
            keepalive: Duration = .seconds(30),
            commandTimeout: Duration = .seconds(600),
            become: Become? = nil
        ) {
            self.name = name
            self.address = address
            self.port = port
            self.user = user
            self.identityFile = identityFile
            self.identityPassphraseEnv = identityPassphraseEnv
            self.useAgent = useAgent
            self.knownHostsFile = knownHostsFile
            self.hostKeyFingerprint = hostKeyFingerprint
            self.connectTimeout = connectTimeout
            self.keepalive = keepalive
            self.commandTimeout = commandTimeout
            self.become = become
        }
    }
}
