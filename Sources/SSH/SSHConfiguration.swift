/// Everything needed to open one SSH connection to one host.
public struct SSHConfiguration: Sendable {
    /// How the client proves who it is.
    public enum Authentication: Sendable {
        /// A private key file (ed25519 or ECDSA); `passphrase` decrypts it when it is encrypted.
        case privateKey(path: String, passphrase: String?)
        /// Identities held by the ssh-agent at `socketPath` (default: `$SSH_AUTH_SOCK`).
        case agent(socketPath: String?)
        /// Each credential in turn until the server accepts one (ssh_config's several `IdentityFile`s,
        /// the agent and a key file together).
        case firstAccepted([Authentication])
    }

    /// The host name or address to connect to.
    public var host: String
    /// The TCP port of the SSH server.
    public var port: Int
    /// The remote user name.
    public var user: String
    /// The credential offered to the server.
    public var authentication: Authentication
    /// The OpenSSH known_hosts file against which the host key is verified.
    public var knownHostsFile: String
    /// An expected `SHA256:` fingerprint; when set, the host key must match it as well.
    public var pinnedFingerprint: String?
    /// Deadline for name resolution, TCP connect, handshake and authentication together.
    public var connectTimeout: Duration
    /// Interval of SSH keepalive messages; zero turns them off.
    public var keepaliveInterval: Duration
    /// A short label for messages and logs, usually the host's name in the environment.
    public var label: String
    /// The jump hosts (ProxyJump) the connection goes through, the first one reached directly; each
    /// hop's own settings (timeouts, keepalives, known_hosts) apply to it, its `jumpHosts` are ignored.
    public var jumpHosts: [SSHConfiguration]
    /// Set on a jump host's own configuration while a chain is opened: its place in the chain, from 1.
    var jumpHostNumber: Int?

    /// Creates a configuration; `label` defaults to `user@host:port`.
    public init(
        host: String,
        port: Int = 22,
        user: String,
        authentication: Authentication,
        knownHostsFile: String,
        pinnedFingerprint: String? = nil,
        connectTimeout: Duration = .seconds(10),
        keepaliveInterval: Duration = .seconds(30),
        label: String? = nil,
        jumpHosts: [SSHConfiguration] = []
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.authentication = authentication
        self.knownHostsFile = knownHostsFile
        self.pinnedFingerprint = pinnedFingerprint
        self.connectTimeout = connectTimeout
        self.keepaliveInterval = keepaliveInterval
        self.label = label ?? "\(user)@\(host):\(port)"
        self.jumpHosts = jumpHosts
    }
}

extension Duration {
    /// The duration in whole milliseconds, rounded down and never negative.
    var milliseconds: Int {
        let (seconds, attoseconds) = components
        return max(0, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }

    /// The duration in fractional seconds.
    public var secondsValue: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
