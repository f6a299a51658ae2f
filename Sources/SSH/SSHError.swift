import CLibSSH2

/// An error raised while talking to a remote host over SSH.
///
/// `code` is stable and meant for callers to switch over; `message` is written for a person: what
/// went wrong, on which host, and what to do about it. When libssh2 reported the failure, its error
/// number and text are kept in `libssh2` and shown at the end of the description.
public struct SSHError: Error, CustomStringConvertible, Sendable {
    /// The kind of failure.
    public enum Code: String, Sendable, Hashable {
        /// The host name did not resolve.
        case nameResolution
        /// The TCP connection was refused (nothing listens on that port).
        case connectionRefused
        /// A deadline passed: connecting, the handshake, or a command.
        case timeout
        /// The TCP connection failed for another reason (network unreachable, reset…).
        case connectionFailed
        /// The SSH handshake (banner, key exchange) failed.
        case handshakeFailed
        /// The host presented a key that is not in known_hosts.
        case unknownHostKey
        /// The host presented a key that differs from the one recorded in known_hosts.
        case hostKeyChanged
        /// The host key does not match the fingerprint pinned in the environment file.
        case hostKeyPinMismatch
        /// The known_hosts file could not be read or written.
        case knownHostsFile
        /// The server refused every credential offered.
        case authenticationFailed
        /// The private key is an RSA key, which libssh2 1.10 cannot use against OpenSSH ≥ 8.8.
        case rsaKeyUnsupported
        /// The private key file could not be read or decrypted.
        case privateKeyFile
        /// The SSH agent could not be reached or holds no usable key.
        case agent
        /// A channel could not be opened or failed while in use.
        case channel
        /// A remote command ran longer than its timeout.
        case commandTimeout
        /// An SFTP operation failed.
        case sftp
        /// A transferred file's SHA-256 on the host differs from the local one.
        case checksumMismatch
        /// The local end of a tunnel could not be set up.
        case tunnel
        /// The connection was closed and cannot be used any more.
        case disconnected
    }

    /// The libssh2 error number and text behind a failure.
    public struct LibSSH2Detail: Sendable, Equatable {
        /// The negative `LIBSSH2_ERROR_*` value.
        public let code: Int32
        /// libssh2's own text for it.
        public let text: String
    }

    /// The kind of failure.
    public let code: Code
    /// A sentence or two for a person, naming the host and the way out.
    public let message: String
    /// The libssh2 error behind the failure, if any.
    public let libssh2: LibSSH2Detail?
    /// The key the host presented, for host key failures: `deployctl trust` records it from here.
    public let presentedKey: HostKey?
    /// Which server presented `presentedKey`: the target or one of its jump hosts.
    public let keyEndpoint: KeyEndpoint?

    /// The server behind a host key failure, as its key is looked up in known_hosts.
    public struct KeyEndpoint: Sendable, Equatable {
        /// The host name or address the key is recorded under.
        public let host: String
        /// The SSH port (known_hosts records `[host]:port` for ports other than 22).
        public let port: Int
        /// The known_hosts file the key was looked up in.
        public let knownHostsFile: String
        /// 1 for the first jump host, 2 for the next…; nil for the target itself.
        public let jumpHost: Int?

        /// Creates an endpoint.
        public init(host: String, port: Int, knownHostsFile: String, jumpHost: Int?) {
            self.host = host
            self.port = port
            self.knownHostsFile = knownHostsFile
            self.jumpHost = jumpHost
        }
    }

    /// Creates an error; `libssh2` keeps the library's number and text when it reported the failure.
    public init(
        _ code: Code, _ message: String, libssh2: LibSSH2Detail? = nil, presentedKey: HostKey? = nil,
        keyEndpoint: KeyEndpoint? = nil
    ) {
        self.code = code
        self.message = message
        self.libssh2 = libssh2
        self.presentedKey = presentedKey
        self.keyEndpoint = keyEndpoint
    }

    public var description: String {
        guard let libssh2 else { return message }
        return "\(message) (libssh2 \(libssh2.code) \(LibSSH2Names.name(of: libssh2.code)): \(libssh2.text))"
    }
}

/// Names of libssh2's error numbers, so that logs read `LIBSSH2_ERROR_TIMEOUT` rather than `-9`.
enum LibSSH2Names {
    static func name(of code: Int32) -> String {
        switch code {
        case LIBSSH2_ERROR_SOCKET_NONE: "SOCKET_NONE"
        case LIBSSH2_ERROR_BANNER_RECV: "BANNER_RECV"
        case LIBSSH2_ERROR_BANNER_SEND: "BANNER_SEND"
        case LIBSSH2_ERROR_KEX_FAILURE: "KEX_FAILURE"
        case LIBSSH2_ERROR_SOCKET_SEND: "SOCKET_SEND"
        case LIBSSH2_ERROR_KEY_EXCHANGE_FAILURE: "KEY_EXCHANGE_FAILURE"
        case LIBSSH2_ERROR_TIMEOUT: "TIMEOUT"
        case LIBSSH2_ERROR_SOCKET_DISCONNECT: "SOCKET_DISCONNECT"
        case LIBSSH2_ERROR_PROTO: "PROTO"
        case LIBSSH2_ERROR_FILE: "FILE"
        case LIBSSH2_ERROR_METHOD_NONE: "METHOD_NONE"
        case LIBSSH2_ERROR_AUTHENTICATION_FAILED: "AUTHENTICATION_FAILED"
        case LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED: "PUBLICKEY_UNVERIFIED"
        case LIBSSH2_ERROR_CHANNEL_FAILURE: "CHANNEL_FAILURE"
        case LIBSSH2_ERROR_CHANNEL_REQUEST_DENIED: "CHANNEL_REQUEST_DENIED"
        case LIBSSH2_ERROR_CHANNEL_CLOSED: "CHANNEL_CLOSED"
        case LIBSSH2_ERROR_CHANNEL_EOF_SENT: "CHANNEL_EOF_SENT"
        case LIBSSH2_ERROR_SOCKET_TIMEOUT: "SOCKET_TIMEOUT"
        case LIBSSH2_ERROR_SFTP_PROTOCOL: "SFTP_PROTOCOL"
        case LIBSSH2_ERROR_REQUEST_DENIED: "REQUEST_DENIED"
        case LIBSSH2_ERROR_METHOD_NOT_SUPPORTED: "METHOD_NOT_SUPPORTED"
        case LIBSSH2_ERROR_INVAL: "INVAL"
        case LIBSSH2_ERROR_EAGAIN: "EAGAIN"
        case LIBSSH2_ERROR_BAD_USE: "BAD_USE"
        case LIBSSH2_ERROR_AGENT_PROTOCOL: "AGENT_PROTOCOL"
        case LIBSSH2_ERROR_SOCKET_RECV: "SOCKET_RECV"
        case LIBSSH2_ERROR_KEYFILE_AUTH_FAILED: "KEYFILE_AUTH_FAILED"
        default: "ERROR"
        }
    }
}
