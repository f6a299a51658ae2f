import CLibSSH2
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Moves bytes both ways between a local socket and an SSH channel until one side ends: what
/// carries a tunnel's forwarded connection, and the session to a host behind a jump host.
///
/// The channel is read with the connection's lock taken for one attempt at a time, so several
/// pumps (and commands) share one connection; while nothing moves, the pump waits in `poll(2)` on
/// both sockets for a few milliseconds, because another thread may read this channel's data off
/// the connection's socket. Idle pumps keep the connection's keepalives going.
struct ChannelPump {
    /// The connection the channel belongs to.
    let connection: SSHConnection
    /// An open channel of `connection`.
    let channel: OpaquePointer
    /// The local end, non-blocking.
    let socket: Int32
    /// Whether to stop as soon as the local side has closed (after sending EOF on the channel),
    /// instead of carrying the channel's remaining data to a socket that may still read it.
    let stopsWithLocalSide: Bool
    /// Polled between rounds; `true` ends the pump.
    let isStopped: () -> Bool

    /// Pumps until the channel ends, the local side closes, or `isStopped` says so.
    ///
    /// - Throws: `SSHError` when writing to the channel fails.
    func run() throws(SSHError) {
        let size = 256 * 1024
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 1)
        defer { buffer.deallocate() }
        let idle = Deadline(after: .seconds(365 * 86_400))
        var localOpen = true
        while !isStopped() {
            var progressed = false
            if localOpen {
                let received = recv(socket, buffer.baseAddress, size, 0)
                if received > 0 {
                    try connection.write(
                        Data(UnsafeRawBufferPointer(rebasing: buffer[0..<received])), to: channel, deadline: idle)
                    progressed = true
                } else if received == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) {
                    localOpen = false
                    _ = try connection.sending("sending EOF", deadline: idle) { _ in
                        Int(libssh2_channel_send_eof(channel))
                    }
                    if stopsWithLocalSide { return }
                }
            }
            let count = connection.attempt { _ in
                libssh2_channel_read_ex(channel, 0, buffer.baseAddress!.assumingMemoryBound(to: CChar.self), size)
            }
            if count > 0 {
                guard sendAll(UnsafeRawBufferPointer(rebasing: buffer[0..<count])) else { return }
                progressed = true
            } else if count < 0 && count != Int(LIBSSH2_ERROR_EAGAIN) {
                return
            } else if connection.attempt({ _ in Int(libssh2_channel_eof(channel)) }) == 1 {
                return
            }
            if progressed { continue }
            connection.sendKeepalive()
            var descriptors = [
                pollfd(fd: socket, events: localOpen ? Int16(POLLIN) : 0, revents: 0),
                pollfd(fd: connection.socket, events: Int16(POLLIN), revents: 0),
            ]
            _ = Glibc.poll(&descriptors, 2, 5)
        }
    }

    /// Writes all of `bytes` to the local socket; false when it is gone or the pump was stopped.
    private func sendAll(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = Glibc.send(
                socket, bytes.baseAddress!.advanced(by: offset), bytes.count - offset, Int32(MSG_NOSIGNAL))
            if sent > 0 {
                offset += sent
            } else if sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                var descriptor = pollfd(fd: socket, events: Int16(POLLOUT), revents: 0)
                _ = Glibc.poll(&descriptor, 1, 1000)
                if isStopped() { return false }
            } else {
                return false
            }
        }
        return true
    }
}
