import CLibSSH2
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Jump host (ProxyJump) connections shared by every connection made through the pool.
///
/// Hosts behind the same chain of jump hosts use one connection to each hop: it is opened when the
/// first host needs it (hosts connecting at the same time wait for that one attempt and share its
/// outcome) and closed when the last connection through it closes. Each hop is a full SSH session
/// of its own, verified against its own known_hosts entry and authenticated with its own
/// credential, within its own connect timeout and with its own keepalives; the next hop is reached
/// through a direct-tcpip channel on it, so nothing but the first hop needs to be reachable from
/// the workstation. A hop that turns out to have died is replaced once.
public final class SSHJumpPool: @unchecked Sendable {
    private final class Slot {
        let key: String
        var connection: SSHConnection?
        var failure: SSHError?
        var done = false
        var users = 1

        init(key: String) { self.key = key }
    }

    private let condition = NSCondition()
    private var slots: [String: Slot] = [:]

    /// Creates an empty pool.
    public init() {}

    /// Connects to `configuration.host` through its `jumpHosts` (directly when there are none),
    /// reusing the pool's open connections to those hops.
    ///
    /// - Throws: `SSHError`; a failure at a hop carries that hop's label followed by `(jump host N)`,
    ///   and a host key failure there carries the key and `keyEndpoint.jumpHost == N`.
    public func connect(_ configuration: SSHConfiguration) throws(SSHError) -> SSHConnection {
        var target = configuration
        target.jumpHosts = []
        let hops = configuration.jumpHosts.enumerated().map { index, hop in
            var numbered = hop
            numbered.jumpHosts = []
            numbered.jumpHostNumber = index + 1
            numbered.label = "\(hop.label) (jump host \(index + 1))"
            return numbered
        }
        return try connect(target, behind: hops[...])
    }

    /// `connect(_:)` for async code, the waits on a thread of their own.
    public func open(_ configuration: SSHConfiguration) async throws(SSHError) -> SSHConnection {
        try await offload { () throws(SSHError) in try self.connect(configuration) }
    }

    /// How many jump host connections the pool holds open now.
    public var openJumpConnections: Int {
        condition.withLock { slots.values.filter { $0.connection != nil }.count }
    }

    private func connect(_ configuration: SSHConfiguration, behind hops: ArraySlice<SSHConfiguration>)
        throws(SSHError) -> SSHConnection
    {
        guard !hops.isEmpty else { return try SSHConnection.connectDirectly(configuration) }
        var retried = false
        while true {
            let lease = try lease(hops)
            do {
                return try SSHConnection.connect(configuration, through: lease)
            } catch {
                guard error.code == .disconnected, !retried else { throw error }
                lease.evict()
                retried = true
            }
        }
    }

    /// A hold on the connection to the last of `hops`, opened (behind the others) unless the pool has it.
    private func lease(_ hops: ArraySlice<SSHConfiguration>) throws(SSHError) -> JumpLease {
        let key = hops.map { "\($0.user)@\($0.host):\($0.port) \($0.knownHostsFile)" }.joined(separator: " > ")
        condition.lock()
        if let slot = slots[key], slot.connection?.isOpen ?? true {
            slot.users += 1
            while !slot.done { condition.wait() }
            defer { condition.unlock() }
            if let connection = slot.connection { return lease(of: connection, in: slot) }
            slot.users -= 1
            throw slot.failure ?? SSHError(.connectionFailed, "\(hops.last!.label): could not be connected")
        }
        let slot = Slot(key: key)
        slots[key] = slot
        condition.unlock()

        let outcome: Result<SSHConnection, SSHError>
        do {
            outcome = .success(try connect(hops.last!, behind: hops.dropLast()))
        } catch {
            outcome = .failure(error)
        }
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        slot.done = true
        switch outcome {
        case .success(let connection):
            slot.connection = connection
            return lease(of: connection, in: slot)
        case .failure(let error):
            slot.failure = error
            slot.users -= 1
            if slots[key] === slot { slots[key] = nil }
            throw error
        }
    }

    private func lease(of connection: SSHConnection, in slot: Slot) -> JumpLease {
        JumpLease(
            connection: connection,
            release: { [self] in release(slot) },
            evict: { [self] in condition.withLock { if slots[slot.key] === slot { slots[slot.key] = nil } } })
    }

    private func release(_ slot: Slot) {
        let closing: SSHConnection? = condition.withLock {
            slot.users -= 1
            guard slot.users == 0 else { return nil }
            if slots[slot.key] === slot { slots[slot.key] = nil }
            defer { slot.connection = nil }
            return slot.connection
        }
        closing?.close()
    }
}

/// One user's hold on a pooled jump host connection; the connection stays open while anyone holds it.
final class JumpLease: @unchecked Sendable {
    /// The jump host's authenticated connection.
    let connection: SSHConnection
    private let onRelease: () -> Void
    private let onEvict: () -> Void
    private let lock = NSLock()
    private var released = false

    init(connection: SSHConnection, release: @escaping () -> Void, evict: @escaping () -> Void) {
        self.connection = connection
        onRelease = release
        onEvict = evict
    }

    /// Gives the hold back (once; later calls do nothing).
    func release() {
        let first = lock.withLock {
            defer { released = true }
            return !released
        }
        if first { onRelease() }
    }

    /// Keeps the pool from handing this connection to anyone else (it has died); holders keep it.
    func evict() { onEvict() }
}

/// A direct-tcpip channel on a jump host to the next host's SSH port, carried by a thread to one
/// end of a socket pair; the other end is the socket of the SSH session to the next host, since
/// libssh2 runs a session only over a socket.
final class JumpLink: @unchecked Sendable {
    /// The hold on the jump host connection the channel belongs to.
    let lease: JumpLease
    /// The next session's end of the socket pair (that session closes it).
    let socket: Int32
    private let pumpEnd: Int32
    private let channel: OpaquePointer
    private let pumped = DispatchSemaphore(value: 0)
    private let state = NSLock()
    private var stopped = false
    private var closed = false

    /// The jump host connection.
    var bastion: SSHConnection { lease.connection }

    private init(lease: JumpLease, channel: OpaquePointer, socket: Int32, pumpEnd: Int32) {
        self.lease = lease
        self.channel = channel
        self.socket = socket
        self.pumpEnd = pumpEnd
    }

    /// Opens the channel to `configuration.host:port` as the jump host resolves it, within `deadline`.
    ///
    /// - Throws: `SSHError` `.connectionFailed` when the jump host cannot connect there (nothing
    ///   listens, forwarding refused), `.disconnected` when the jump host's connection has died.
    static func open(to configuration: SSHConfiguration, through lease: JumpLease, deadline: Deadline)
        throws(SSHError) -> JumpLink
    {
        let bastion = lease.connection
        let host = configuration.host
        let port = configuration.port
        let channel: OpaquePointer
        do {
            channel = try bastion.operation { () throws(SSHError) in
                try bastion.opening("opening a channel to \(host):\(port)", deadline: deadline) { session in
                    libssh2_channel_direct_tcpip_ex(session, host, Int32(port), "127.0.0.1", 0)
                }
            }
        } catch {
            throw channelFailure(error, configuration: configuration, bastion: bastion)
        }
        var ends: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &ends) == 0 else {
            let reason = String(cString: strerror(errno))
            bastion.release(channel)
            throw SSHError(.connectionFailed, "\(configuration.label): cannot create a socket pair: \(reason)")
        }
        for end in ends { _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK) }
        let link = JumpLink(lease: lease, channel: channel, socket: ends[0], pumpEnd: ends[1])
        Thread.detachNewThread { link.pump() }
        return link
    }

    private static func channelFailure(_ error: SSHError, configuration: SSHConfiguration, bastion: SSHConnection)
        -> SSHError
    {
        let deadTransport: Set<Int32> = [
            LIBSSH2_ERROR_SOCKET_SEND, LIBSSH2_ERROR_SOCKET_RECV, LIBSSH2_ERROR_SOCKET_DISCONNECT,
            LIBSSH2_ERROR_SOCKET_TIMEOUT, LIBSSH2_ERROR_SOCKET_NONE,
        ]
        if error.code == .disconnected || error.libssh2.map({ deadTransport.contains($0.code) }) == true {
            return SSHError(
                .disconnected, "\(configuration.label): the connection to \(bastion.configuration.label) has ended",
                libssh2: error.libssh2)
        }
        if error.code == .timeout {
            return SSHError(
                .timeout,
                "\(configuration.label): \(bastion.configuration.label) did not open a connection to \(configuration.host):\(configuration.port) within the connect timeout"
            )
        }
        return SSHError(
            .connectionFailed,
            "\(configuration.label): \(bastion.configuration.label) could not connect to \(configuration.host):\(configuration.port) (is sshd running there, and may the jump host forward TCP?)",
            libssh2: error.libssh2)
    }

    private var isStopped: Bool { state.withLock { stopped } || !bastion.isOpen }

    private func pump() {
        defer {
            shutdown(pumpEnd, Int32(SHUT_RDWR))
            pumped.signal()
        }
        let bastion = bastion
        try? bastion.operation { () throws(SSHError) in
            try ChannelPump(
                connection: bastion, channel: channel, socket: pumpEnd, stopsWithLocalSide: true,
                isStopped: { self.isStopped }
            ).run()
        }
    }

    /// Lets the pump carry what the next session sent last (its goodbye), stops it, frees the
    /// channel and gives the jump host back; once, after that session has closed its socket.
    func close() {
        let first = state.withLock {
            defer { closed = true }
            return !closed
        }
        guard first else { return }
        if pumped.wait(timeout: .now() + 2) == .timedOut {
            state.withLock { stopped = true }
            pumped.wait()
        }
        if bastion.isOpen { bastion.release(channel) }
        Glibc.close(pumpEnd)
        lease.release()
    }
}
