import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Opening TCP connections with one deadline covering name resolution and connect.
enum TCPSocket {
    /// Resolves `host` and connects to the first address that answers; returns a non-blocking socket.
    static func connect(host: String, port: Int, deadline: Deadline, label: String) throws(SSHError) -> Int32 {
        let addresses = try resolve(host: host, port: port, deadline: deadline, label: label)
        var lastError: SSHError?
        for address in addresses {
            do {
                return try connect(to: address, deadline: deadline, label: label)
            } catch {
                lastError = error
                if error.code == .timeout { break }
            }
        }
        throw lastError ?? SSHError(.nameResolution, "\(label): \(host) resolved to no usable address")
    }

    private struct ResolvedAddress: Sendable {
        let family: Int32
        let storage: [UInt8]
    }

    /// getaddrinfo(3) has no timeout of its own, so a slow resolver is waited for on another thread
    /// only as long as the deadline allows. Numeric addresses skip that thread entirely.
    private static func resolve(host: String, port: Int, deadline: Deadline, label: String) throws(SSHError)
        -> [ResolvedAddress]
    {
        if let numeric = try? lookup(host: host, port: port, numericOnly: true), !numeric.isEmpty {
            return numeric
        }
        let box = ResolutionBox()
        let semaphore = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            box.set(Result { try lookup(host: host, port: port, numericOnly: false) })
            semaphore.signal()
        }
        let seconds = deadline.remaining.secondsValue
        guard semaphore.wait(timeout: .now() + seconds) == .success, let result = box.value else {
            throw SSHError(.timeout, "\(label): resolving \(host) took longer than the connect timeout")
        }
        switch result {
        case .success(let addresses) where !addresses.isEmpty: return addresses
        case .success: throw SSHError(.nameResolution, "\(label): \(host) has no address")
        case .failure(let error): throw SSHError(.nameResolution, "\(label): cannot resolve \(host): \(error)")
        }
    }

    private final class ResolutionBox: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: Result<[ResolvedAddress], any Error>?
        var value: Result<[ResolvedAddress], any Error>? { lock.withLock { stored } }
        func set(_ result: Result<[ResolvedAddress], any Error>) { lock.withLock { stored = result } }
    }

    private struct ResolverError: Error, CustomStringConvertible {
        let description: String
    }

    private static func lookup(host: String, port: Int, numericOnly: Bool) throws -> [ResolvedAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
            hints.ai_socktype = SOCK_STREAM
        #endif
        hints.ai_flags = numericOnly ? AI_NUMERICHOST | AI_NUMERICSERV : AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw ResolverError(description: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(first) }
        var result: [ResolvedAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            if let address = entry.pointee.ai_addr {
                let bytes = UnsafeRawBufferPointer(start: address, count: Int(entry.pointee.ai_addrlen))
                result.append(ResolvedAddress(family: entry.pointee.ai_family, storage: Array(bytes)))
            }
            cursor = entry.pointee.ai_next
        }
        return result
    }

    private static func connect(to address: ResolvedAddress, deadline: Deadline, label: String) throws(SSHError)
        -> Int32
    {
        #if canImport(Glibc)
            let fd = socket(address.family, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let fd = socket(address.family, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else {
            throw SSHError(.connectionFailed, "\(label): cannot create a socket: \(String(cString: strerror(errno)))")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let started = address.storage.withUnsafeBytes { raw in
            Glibc.connect(fd, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
        }
        if started == 0 { return fd }
        guard errno == EINPROGRESS else {
            let error = errno
            close(fd)
            throw failure(errno: error, label: label)
        }
        while true {
            var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let ready = poll(&pfd, 1, deadline.pollTimeout(cap: 1000))
            if ready < 0 && errno == EINTR { continue }
            if ready > 0 { break }
            if deadline.hasPassed {
                close(fd)
                throw SSHError(
                    .timeout,
                    "\(label): no answer from the host within the connect timeout (is the address right, and is a firewall dropping the connection?)"
                )
            }
        }
        var socketError: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        _ = getsockopt(fd, SOL_SOCKET, SO_ERROR, &socketError, &length)
        guard socketError == 0 else {
            close(fd)
            throw failure(errno: socketError, label: label)
        }
        return fd
    }

    private static func failure(errno error: Int32, label: String) -> SSHError {
        let text = String(cString: strerror(error))
        if error == ECONNREFUSED {
            return SSHError(
                .connectionRefused,
                "\(label): connection refused: nothing listens on that port (is sshd running, is the port right?)")
        }
        return SSHError(.connectionFailed, "\(label): cannot connect: \(text)")
    }
}
