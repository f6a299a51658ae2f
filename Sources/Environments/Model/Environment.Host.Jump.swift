extension Environment.Host {
    /// One jump host in front of a host: reached directly when it is the first, else through the
    /// one before it; its own settings come from the `jump` value (`user@host:port`), then from
    /// ssh_config for that name, then from the host it leads to.
    public struct Jump: Sendable, Hashable {
        /// The hop as the `jump` or `ProxyJump` value wrote it, such as `etl@bastion:2222`.
        public var name: String

        /// The DNS name, IPv4 or IPv6 address to connect to (as the hop before resolves it).
        public var address: String

        /// The SSH port.
        public var port: Int

        /// The account to log in as.
        public var user: String

        /// The private keys offered, in order; empty to rely on the agent.
        public var identityFiles: [String]

        /// Whether to offer the keys of a running `ssh-agent`.
        public var useAgent: Bool

        /// The known_hosts file the jump host's key is verified against (and `trust` records it in).
        public var knownHostsFile: String

        /// How long to wait for the connection to the jump host and its handshake.
        public var connectTimeout: Duration

        /// The interval between keepalive messages to the jump host; `.zero` turns them off.
        public var keepalive: Duration

        /// Where each setting came from.
        public var origins: SettingOrigins

        /// Creates a jump host from resolved settings.
        public init(
            name: String,
            address: String,
            port: Int = 22,
            user: String,
            identityFiles: [String] = [],
            useAgent: Bool = true,
            knownHostsFile: String,
            connectTimeout: Duration = .seconds(10),
            keepalive: Duration = .seconds(30),
            origins: SettingOrigins = SettingOrigins()
        ) {
            self.name = name
            self.address = address
            self.port = port
            self.user = user
            self.identityFiles = identityFiles
            self.useAgent = useAgent
            self.knownHostsFile = knownHostsFile
            self.connectTimeout = connectTimeout
            self.keepalive = keepalive
            self.origins = origins
        }
    }

    /// A connection setting whose origin is recorded.
    public enum Setting: String, Sendable, Hashable, CaseIterable, Encodable {
        case address, port, user, identityFiles = "identity_files", useAgent = "use_agent"
        case knownHostsFile = "known_hosts", connectTimeout = "connect_timeout", keepalive, jump
    }

    /// Where each connection setting of a host or jump host came from.
    ///
    /// It describes the settings and is not one of them: two hosts with the same settings are equal
    /// whichever lines they were written on.
    public struct SettingOrigins: Sendable, Hashable {
        /// The origin of each setting that has one; a missing setting is deployctl's default.
        public var values: [Setting: Environment.Origin]
        /// The origin of each identity file, in the order of `identityFiles`.
        public var identityFiles: [Environment.Origin]

        /// Creates origins; everything is a default unless given.
        public init(values: [Setting: Environment.Origin] = [:], identityFiles: [Environment.Origin] = []) {
            self.values = values
            self.identityFiles = identityFiles
        }

        /// Where `setting` came from.
        public subscript(_ setting: Setting) -> Environment.Origin {
            get { values[setting] ?? .builtIn }
            set { values[setting] = newValue }
        }

        public static func == (lhs: SettingOrigins, rhs: SettingOrigins) -> Bool { true }

        public func hash(into hasher: inout Hasher) {}
    }
}
