import CLibSSH2
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A local listener on 127.0.0.1 whose connections are forwarded over the SSH connection
/// (direct-tcpip) to a host and port as seen from the remote host.
///
/// This is how deployctl reaches a ClickHouse bound to the server's own localhost: the workstation
/// talks to `127.0.0.1:localPort`, the bytes travel inside SSH. Close it with `close()`; it also
/// ends when the SSH connection closes.
public final class SSHTunnel: @unchecked Sendable {
    /// The local port (ephemeral) to connect to.
    public let localPort: Int
    /// Where connections go, as seen from the remote host.
    public let remoteHost: String
    public let remotePort: Int

    private let connection: SSHConnection
    private let listener: Int32
    private let state = NSLock()
    private var stopped = false
    private var lastFailure: SSHError?
    private let finished = DispatchGroup()

    init(connection: SSHConnection, remoteHost: String, remotePort: Int) throws(SSHError) {
        self.connection = connection
        self.remoteHost = remoteHost
        self.remotePort = remotePort
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else {
            throw SSHError(.tunnel, "cannot create the tunnel's local socket: \(String(cString: strerror(errno)))")
        }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw SSHError(.tunnel, "cannot listen on 127.0.0.1 for the tunnel: \(reason)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        localPort = Int(UInt16(bigEndian: address.sin_port))
        finished.enter()
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    deinit { close() }

    /// Stops listening and ends every forwarded connection; returns when they are all gone.
    public func close() {
        let first = state.withLock {
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        _ = finished.wait(timeout: .now() + 10)
    }

    /// Why the most recent forwarded connection could not be carried (forwarding refused by the
    /// server, nothing listening at the remote end…), if one could not; the local client only sees
    /// its connection closed.
    public var lastError: SSHError? { state.withLock { lastFailure } }

    private var isStopped: Bool { state.withLock { stopped || !connection.isOpen } }

    private func acceptLoop() {
        defer {
            Glibc.close(listener)
            finished.leave()
        }
        while !isStopped {
            var descriptor = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard Glibc.poll(&descriptor, 1, 100) > 0 else { continue }
            let client = accept(listener, nil, nil)
            guard client >= 0 else { continue }
            _ = fcntl(client, F_SETFL, fcntl(client, F_GETFL) | O_NONBLOCK)
            var one: Int32 = 1
            _ = setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            finished.enter()
            Thread.detachNewThread { [self] in
                defer {
                    Glibc.close(client)
                    finished.leave()
                }
                forward(client)
            }
        }
    }

    /// Pumps bytes both ways until either side closes. A connection whose channel cannot be
    /// opened (forwarding refused, nothing listening remotely) is closed at once, which the
    /// local client sees as a reset.
    private func forward(_ client: Int32) {
        let host = remoteHost
        let port = Int32(remotePort)
        let connection = connection
        do throws(SSHError) {
            try connection.operation { () throws(SSHError) in
                let channel = try connection.opening(
                    "opening a tunnel to \(host):\(port)", deadline: Deadline(after: .seconds(15))
                ) { session in
                    libssh2_channel_direct_tcpip_ex(session, host, port, "127.0.0.1", 0)
                }
                defer { connection.release(channel) }
                try ChannelPump(
                    connection: connection, channel: channel, socket: client, stopsWithLocalSide: false,
                    isStopped: { self.isStopped }
                ).run()
            }
        } catch {
            state.withLock { lastFailure = error }
        }
    }
}

extension SSHConnection {
    /// Opens a tunnel from an ephemeral port on the workstation's 127.0.0.1 to `host:port` as seen
    /// from the remote host (default: the remote host's own localhost).
    public func openTunnel(toPort port: Int, host: String = "127.0.0.1") throws(SSHError) -> SSHTunnel {
        guard isOpen else { throw SSHError(.disconnected, "\(configuration.label): the connection is closed") }
        return try SSHTunnel(connection: self, remoteHost: host, remotePort: port)
    }
}
