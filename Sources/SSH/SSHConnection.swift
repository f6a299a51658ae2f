import CLibSSH2
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One authenticated SSH connection to one host, shared by every command, transfer and tunnel of
/// a deployctl run.
///
/// libssh2 allows one thread at a time inside a session. Every call goes through `lock`; calls
/// that send (opening channels, writing) keep the lock across `EAGAIN` retries because libssh2
/// requires the same call to be repeated before any other packet is sent, while reads release it
/// between attempts so that tunnels and commands on other channels keep moving. The session runs
/// in non-blocking mode: waits happen in `poll(2)` with the caller's deadline, never inside libssh2.
public final class SSHConnection: @unchecked Sendable {
    /// The configuration this connection was opened with.
    public let configuration: SSHConfiguration
    /// The key the host presented and that was verified.
    public let hostKey: HostKey

    let session: OpaquePointer
    let socket: Int32
    let lock = NSLock()
    private let stateLock = NSLock()
    private var isClosed = false
    private var activeOperations = 0
    var sftpSession: OpaquePointer?
    /// The channel on a jump host that carries this session, when it is not a direct TCP connection.
    private let jumpLink: JumpLink?

    private static let libraryReady: Bool = libssh2_init(0) == 0

    private init(
        configuration: SSHConfiguration, session: OpaquePointer, socket: Int32, hostKey: HostKey, jumpLink: JumpLink?
    ) {
        self.configuration = configuration
        self.session = session
        self.socket = socket
        self.hostKey = hostKey
        self.jumpLink = jumpLink
    }

    deinit { close() }

    /// The jump host this connection is carried through (its last hop), or nil for a direct connection.
    public var jumpHost: SSHConnection? { jumpLink?.bastion }

    /// Connects, verifies the host key against known_hosts (and the pinned fingerprint, if any) and
    /// authenticates, all within `configuration.connectTimeout`. With `jumpHosts`, every hop is
    /// connected, verified and authenticated the same way, each within its own connect timeout, and
    /// the connection to the target travels inside the last hop's session; the hops are closed with it.
    ///
    /// - Throws: `SSHError` with code `.unknownHostKey` or `.hostKeyChanged` (carrying the presented
    ///   key), `.connectionRefused`, `.timeout`, `.authenticationFailed`, `.rsaKeyUnsupported`, …
    ///   A failure at a jump host names it (`… (jump host 1)`).
    public static func connect(_ configuration: SSHConfiguration) throws(SSHError) -> SSHConnection {
        guard configuration.jumpHosts.isEmpty else { return try SSHJumpPool().connect(configuration) }
        return try connectDirectly(configuration)
    }

    /// Connects over TCP to `configuration.host`, ignoring `jumpHosts`.
    static func connectDirectly(_ configuration: SSHConfiguration) throws(SSHError) -> SSHConnection {
        guard libraryReady else { throw SSHError(.handshakeFailed, "libssh2 could not be initialised") }
        let deadline = Deadline(after: configuration.connectTimeout)
        let knownHosts = try KnownHosts.load(path: configuration.knownHostsFile)
        let fd = try TCPSocket.connect(
            host: configuration.host, port: configuration.port, deadline: deadline, label: configuration.label)
        return try establish(configuration, socket: fd, knownHosts: knownHosts, deadline: deadline, jumpLink: nil)
    }

    /// Connects to `configuration.host` through a direct-tcpip channel of `bastion`, an
    /// authenticated session; the lease on the bastion is given back if this fails.
    static func connect(_ configuration: SSHConfiguration, through bastion: JumpLease) throws(SSHError)
        -> SSHConnection
    {
        guard libraryReady else { throw SSHError(.handshakeFailed, "libssh2 could not be initialised") }
        let deadline = Deadline(after: configuration.connectTimeout)
        let knownHosts: KnownHosts
        let link: JumpLink
        do {
            knownHosts = try KnownHosts.load(path: configuration.knownHostsFile)
            link = try JumpLink.open(to: configuration, through: bastion, deadline: deadline)
        } catch {
            bastion.release()
            throw error
        }
        return try establish(
            configuration, socket: link.socket, knownHosts: knownHosts, deadline: deadline, jumpLink: link)
    }

    /// The SSH handshake, the host key check and authentication on a connected socket; on failure
    /// the socket is closed and the jump link given back.
    private static func establish(
        _ configuration: SSHConfiguration, socket fd: Int32, knownHosts: KnownHosts, deadline: Deadline,
        jumpLink: JumpLink?
    ) throws(SSHError) -> SSHConnection {
        let label = configuration.label
        guard let session = libssh2_session_init_ex(nil, nil, nil, nil) else {
            Glibc.close(fd)
            jumpLink?.close()
            throw SSHError(.handshakeFailed, "\(label): libssh2 could not allocate a session")
        }
        libssh2_session_set_blocking(session, 0)
        _ = libssh2_session_callback_set(
            session, LIBSSH2_CALLBACK_RECV, unsafeBitCast(acknowledgingReceive, to: UnsafeMutableRawPointer.self))
        let preferred = hostKeyPreference(
            recorded: knownHosts.recordedKeyTypes(host: configuration.host, port: configuration.port))
        _ = libssh2_session_method_pref(session, LIBSSH2_METHOD_HOSTKEY, preferred)

        func abandon() {
            libssh2_session_free(session)
            Glibc.close(fd)
            jumpLink?.close()
        }
        let handshake = retryWithoutConnection(session: session, socket: fd, deadline: deadline) {
            libssh2_session_handshake(session, libssh2_socket_t(fd))
        }
        guard handshake == 0 else {
            let detail = lastError(session, code: handshake)
            abandon()
            if handshake == LIBSSH2_ERROR_EAGAIN {
                throw SSHError(
                    .timeout,
                    "\(label): the SSH handshake did not finish within the connect timeout (is this an SSH server?)")
            }
            throw SSHError(
                .handshakeFailed,
                "\(label): SSH handshake failed; the server may offer only algorithms libssh2 1.10 lacks (an RSA-only host key, for example)",
                libssh2: detail)
        }
        let presented: HostKey
        do {
            presented = try readHostKey(session: session, label: label)
            try verify(presented, against: knownHosts, configuration: configuration)
        } catch {
            abandon()
            throw error
        }
        let connection = SSHConnection(
            configuration: configuration, session: session, socket: fd, hostKey: presented, jumpLink: jumpLink)
        if configuration.keepaliveInterval > .zero {
            libssh2_keepalive_config(session, 1, UInt32(max(1, Int(configuration.keepaliveInterval.secondsValue))))
        }
        do {
            try connection.authenticate(deadline: deadline)
        } catch {
            connection.close()
            throw error
        }
        return connection
    }

    /// `connect(_:)` for async code: the network waits happen on a thread of their own, not on
    /// the (two-thread) cooperative pool.
    public static func open(_ configuration: SSHConfiguration) async throws(SSHError) -> SSHConnection {
        try await offload { () throws(SSHError) in try connect(configuration) }
    }

    /// Ends the session politely and closes the socket; further use throws `.disconnected`.
    public func close() {
        let wasOpen = stateLock.withLock {
            defer { isClosed = true }
            return !isClosed
        }
        guard wasOpen else { return }
        lock.withLock {
            let deadline = Deadline(after: .seconds(2))
            if let sftp = sftpSession {
                while libssh2_sftp_shutdown(sftp) == LIBSSH2_ERROR_EAGAIN, !deadline.hasPassed {
                    pollLocked(deadline: deadline)
                }
                sftpSession = nil
            }
            while libssh2_session_disconnect_ex(session, SSH_DISCONNECT_BY_APPLICATION, "deployctl done", "")
                == LIBSSH2_ERROR_EAGAIN,
                !deadline.hasPassed
            {
                pollLocked(deadline: deadline)
            }
            libssh2_session_free(session)
            Glibc.close(socket)
        }
        jumpLink?.close()
    }

    /// Whether `close()` has been called.
    public var isOpen: Bool { stateLock.withLock { !isClosed } }

    // MARK: - Calling libssh2

    /// Marks an operation as running for its duration; waits are shorter while several run at once,
    /// because another thread may already have read this operation's data off the socket.
    func operation<T>(_ body: () throws(SSHError) -> T) throws(SSHError) -> T {
        let open = stateLock.withLock {
            if !isClosed { activeOperations += 1 }
            return !isClosed
        }
        guard open else { throw SSHError(.disconnected, "\(configuration.label): the connection is closed") }
        defer { stateLock.withLock { activeOperations -= 1 } }
        return try body()
    }

    private var concurrent: Bool { stateLock.withLock { activeOperations > 1 } }

    /// Runs a sending call, repeating it on `EAGAIN` while holding the session lock.
    func sending(_ what: String, deadline: Deadline, _ body: (OpaquePointer) -> Int) throws(SSHError) -> Int {
        lock.lock()
        defer { lock.unlock() }
        while true {
            let result = body(session)
            guard result == Int(LIBSSH2_ERROR_EAGAIN) else { return result }
            guard !deadline.hasPassed else { throw timeout(what) }
            pollLocked(deadline: deadline)
        }
    }

    /// Runs a call that returns a handle (NULL with `EAGAIN` means "again"), holding the session lock.
    func opening(
        _ what: String, deadline: Deadline, code: SSHError.Code = .channel, _ body: (OpaquePointer) -> OpaquePointer?
    ) throws(SSHError) -> OpaquePointer {
        lock.lock()
        defer { lock.unlock() }
        while true {
            if let handle = body(session) { return handle }
            let errno = libssh2_session_last_errno(session)
            guard errno == LIBSSH2_ERROR_EAGAIN else {
                throw SSHError(
                    code, "\(configuration.label): \(what) failed", libssh2: Self.lastError(session, code: errno))
            }
            guard !deadline.hasPassed else { throw timeout(what) }
            pollLocked(deadline: deadline)
        }
    }

    /// Runs one attempt of a reading call under the lock; `EAGAIN` is returned to the caller, who waits with `waitForData`.
    func attempt(_ body: (OpaquePointer) -> Int) -> Int {
        lock.withLock { body(session) }
    }

    /// Waits until the socket is ready in the direction libssh2 is blocked on, or a short slice passes.
    func waitForData(deadline: Deadline) {
        let directions = lock.withLock {
            sendKeepaliveLocked()
            return libssh2_session_block_directions(session)
        }
        poll(directions: directions, deadline: deadline, cap: concurrent ? 5 : 250)
    }

    /// Sends a keepalive when the configured interval has passed since the last one (libssh2 keeps the time).
    func sendKeepalive() {
        lock.withLock { sendKeepaliveLocked() }
    }

    private func sendKeepaliveLocked() {
        var next: Int32 = 0
        _ = libssh2_keepalive_send(session, &next)
    }

    func pollLocked(deadline: Deadline) {
        poll(directions: libssh2_session_block_directions(session), deadline: deadline, cap: 50)
    }

    private func poll(directions: Int32, deadline: Deadline, cap: Int) {
        var events: Int16 = 0
        if directions & LIBSSH2_SESSION_BLOCK_INBOUND != 0 { events |= Int16(POLLIN) }
        if directions & LIBSSH2_SESSION_BLOCK_OUTBOUND != 0 { events |= Int16(POLLOUT) }
        if events == 0 { events = Int16(POLLIN) }
        var descriptor = pollfd(fd: socket, events: events, revents: 0)
        _ = Glibc.poll(&descriptor, 1, deadline.pollTimeout(cap: cap))
    }

    func timeout(_ what: String) -> SSHError {
        SSHError(.timeout, "\(configuration.label): \(what) did not finish in time")
    }

    func failure(_ code: SSHError.Code, _ what: String, result: Int) -> SSHError {
        SSHError(
            code, "\(configuration.label): \(what)",
            libssh2: lock.withLock { Self.lastError(session, code: Int32(result)) })
    }

    static func lastError(_ session: OpaquePointer, code: Int32) -> SSHError.LibSSH2Detail {
        var message: UnsafeMutablePointer<CChar>?
        var length: Int32 = 0
        let last = libssh2_session_last_error(session, &message, &length, 0)
        let text = message.map { String(cString: $0) } ?? ""
        return SSHError.LibSSH2Detail(code: last != 0 ? last : code, text: text.isEmpty ? "no detail" : text)
    }

    // MARK: - Handshake helpers

    private static func retryWithoutConnection(
        session: OpaquePointer, socket: Int32, deadline: Deadline, _ body: () -> Int32
    ) -> Int32 {
        while true {
            let result = body()
            guard result == LIBSSH2_ERROR_EAGAIN, !deadline.hasPassed else { return result }
            var events: Int16 = 0
            let directions = libssh2_session_block_directions(session)
            if directions & LIBSSH2_SESSION_BLOCK_INBOUND != 0 { events |= Int16(POLLIN) }
            if directions & LIBSSH2_SESSION_BLOCK_OUTBOUND != 0 { events |= Int16(POLLOUT) }
            var descriptor = pollfd(fd: socket, events: events == 0 ? Int16(POLLIN) : events, revents: 0)
            _ = Glibc.poll(&descriptor, 1, deadline.pollTimeout(cap: 250))
        }
    }

    /// Host key algorithms libssh2 1.10 can verify, with the types already recorded for the host first,
    /// so that a host known by its ed25519 key is not reported unknown because ECDSA was negotiated.
    static func hostKeyPreference(recorded: [String]) -> String {
        let supported = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa"]
        let first = recorded.filter(supported.contains)
        return (first + supported.filter { !first.contains($0) }).joined(separator: ",")
    }

    private static func readHostKey(session: OpaquePointer, label: String) throws(SSHError) -> HostKey {
        var length = 0
        var type: Int32 = 0
        guard let raw = libssh2_session_hostkey(session, &length, &type), length > 0 else {
            throw SSHError(.handshakeFailed, "\(label): the server sent no host key")
        }
        let blob = raw.withMemoryRebound(to: UInt8.self, capacity: length) {
            Array(UnsafeBufferPointer(start: $0, count: length))
        }
        var reader = WireReader(bytes: blob)
        guard let name = reader.string() else {
            throw SSHError(.handshakeFailed, "\(label): the host key is malformed")
        }
        return HostKey(type: name, blob: blob)
    }

    private static func verify(_ key: HostKey, against knownHosts: KnownHosts, configuration: SSHConfiguration)
        throws(SSHError)
    {
        let label = configuration.label
        let recordName = KnownHosts.hostName(configuration.host, port: configuration.port)
        let endpoint = SSHError.KeyEndpoint(
            host: configuration.host, port: configuration.port, knownHostsFile: configuration.knownHostsFile,
            jumpHost: configuration.jumpHostNumber)
        if let pin = configuration.pinnedFingerprint, pin != key.fingerprint {
            throw SSHError(
                .hostKeyPinMismatch,
                """
                \(label): the host key does not match the fingerprint pinned in the environment file.
                  pinned:    \(pin)
                  presented: \(key.fingerprint) (\(key.displayType))
                Refusing to connect. If the host was reinstalled, confirm the new key with its administrator and update host_key.
                """, presentedKey: key, keyEndpoint: endpoint)
        }
        switch knownHosts.verify(key, host: configuration.host, port: configuration.port) {
        case .trusted:
            return
        case .revoked(let line):
            throw SSHError(
                .hostKeyChanged,
                "\(label): the host key \(key.fingerprint) is marked @revoked in \(knownHosts.path) line \(line). Refusing to connect.",
                presentedKey: key, keyEndpoint: endpoint)
        case .changed(let line):
            throw SSHError(
                .hostKeyChanged,
                """
                \(label): WARNING: THE HOST KEY HAS CHANGED. Someone may be intercepting the connection, or the host was reinstalled.
                  \(key.displayType) key fingerprint now: \(key.fingerprint)
                  recorded in \(knownHosts.path) line \(line)
                Refusing to connect. Confirm the new key with the host's administrator; then remove the old line
                (ssh-keygen -R '\(recordName)' -f \(knownHosts.path)) and trust the new one.
                """, presentedKey: key, keyEndpoint: endpoint)
        case .unknown:
            if configuration.pinnedFingerprint != nil { return }
            let pinning =
                configuration.jumpHostNumber == nil
                ? ", or pin it in the environment file: host_key = \"\(key.fingerprint)\"" : ""
            throw SSHError(
                .unknownHostKey,
                """
                \(label): the host key is not known (no \(key.type) entry for \(recordName) in \(knownHosts.path)).
                  \(key.displayType) key fingerprint is \(key.fingerprint).
                Compare it with the host's own (ssh-keygen -lf /etc/ssh/ssh_host_\(key.displayType.lowercased())_key.pub on the host), then trust it
                with `deployctl trust <environment>`\(pinning).
                """, presentedKey: key, keyEndpoint: endpoint)
        }
    }
}

/// How libssh2 reads the socket: `recv(2)` as libssh2's own reader does it (`-errno` on failure),
/// then an immediate acknowledgement (TCP_QUICKACK, which Linux clears again, hence every time).
///
/// sshd sends without TCP_NODELAY on a session without a terminal, so after two packets in a row
/// (a window adjustment and data, or a forwarded answer that arrives in two reads) the second one
/// waits until the first is acknowledged; with a delayed ACK that is 40 ms. Through a tunnel this
/// hit about one request in a hundred.
private let acknowledgingReceive:
    @convention(c) (
        libssh2_socket_t, UnsafeMutableRawPointer?, Int, Int32, UnsafeMutablePointer<UnsafeMutableRawPointer?>?
    ) -> Int = { socket, buffer, length, flags, _ in
        let received = recv(socket, buffer, length, flags)
        guard received >= 0 else { return -Int(errno) }
        var one: Int32 = 1
        _ = setsockopt(socket, Int32(IPPROTO_TCP), TCP_QUICKACK, &one, socklen_t(MemoryLayout<Int32>.size))
        return received
    }
