extension Environment {
    /// One machine of an environment, with every SSH setting resolved.
    ///
    /// The `[ssh]` table of the file supplies defaults; a `[[hosts]]` entry may override the port,
    /// the user and the identity file.
    public struct Host: Sendable, Hashable {
        /// The host's short name, unique within its environment (`[a-z0-9][a-z0-9-]*`).
        public var name: String

        /// The DNS name, IPv4 or IPv6 address to connect to (ssh_config's `HostName` for an alias).
        public var address: String

        /// The OpenSSH host alias the environment file named, when ssh_config's `HostName` turned it
        /// into `address`; nil when the file wrote the address itself.
        public var alias: String?

        /// The SSH port.
        public var port: Int

        /// The account to log in as.
        public var user: String

        /// The absolute paths of the private keys on the workstation, offered in order: the
        /// environment file's `identity_file`, or every `IdentityFile` of ssh_config; empty to rely on the agent.
        public var identityFiles: [String]

        /// The first of `identityFiles`; setting it replaces them all.
        public var identityFile: String? {
            get { identityFiles.first }
            set { identityFiles = newValue.map { [$0] } ?? [] }
        }

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

        /// The jump hosts (ProxyJump) in front of the host, the first one reached directly; empty
        /// for a host reached directly.
        public var jumps: [Jump]

        /// Where each setting came from.
        public var origins: SettingOrigins

        /// A way to become root.
        public enum Become: String, Sendable, Hashable, CaseIterable {
            case sudo
        }

        /// Creates a host from already resolved settings; the keys offered are `identityFile`, then `identityFiles`.
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
            become: Become? = nil,
            alias: String? = nil,
            identityFiles: [String] = [],
            jumps: [Jump] = [],
            origins: SettingOrigins = SettingOrigins()
        ) {
            self.name = name
            self.address = address
            self.port = port
            self.user = user
            self.identityFiles = (identityFile.map { [$0] } ?? []) + identityFiles
            self.identityPassphraseEnv = identityPassphraseEnv
            self.useAgent = useAgent
            self.knownHostsFile = knownHostsFile
            self.hostKeyFingerprint = hostKeyFingerprint
            self.connectTimeout = connectTimeout
            self.keepalive = keepalive
            self.commandTimeout = commandTimeout
            self.become = become
            self.alias = alias
            self.jumps = jumps
            self.origins = origins
        }
    }
}
