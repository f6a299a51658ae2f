import Foundation
import SSH

/// A host that counts the requests made of it (commands, uploads, reads, stats), each one round trip
/// or more over SSH: what `deploy --json` reports as `roundTrips`, and `make bench` compares.
final class CountingHost: RemoteHost, @unchecked Sendable {
    let inner: any RemoteHost
    private let counter: RequestCounter

    init(_ inner: any RemoteHost, counter: RequestCounter) {
        self.inner = inner
        self.counter = counter
    }

    var label: String { inner.label }
    var hostKey: HostKey { inner.hostKey }

    func run(_ command: String, options: SSHConnection.ExecOptions) async throws(SSHError) -> CommandResult {
        counter.add()
        return try await inner.run(command, options: options)
    }

    func upload(_ data: Data, to remotePath: String, mode: UInt32, timeout: Duration) async throws(SSHError)
        -> UploadResult
    {
        counter.add()
        return try await inner.upload(data, to: remotePath, mode: mode, timeout: timeout)
    }

    func upload(file localPath: String, to remotePath: String, mode: UInt32, timeout: Duration) async throws(SSHError)
        -> UploadResult
    {
        counter.add()
        return try await inner.upload(file: localPath, to: remotePath, mode: mode, timeout: timeout)
    }

    func transfer(file localPath: String, to remotePath: String, timeout: Duration) async throws(SSHError)
        -> UploadResult
    {
        counter.add()
        return try await inner.transfer(file: localPath, to: remotePath, timeout: timeout)
    }

    func read(contentsOf remotePath: String, timeout: Duration) async throws(SSHError) -> Data {
        counter.add()
        return try await inner.read(contentsOf: remotePath, timeout: timeout)
    }

    func stat(_ remotePath: String, timeout: Duration) async throws(SSHError) -> RemoteFileInfo? {
        counter.add()
        return try await inner.stat(remotePath, timeout: timeout)
    }

    func openTunnel(toPort port: Int, host: String) throws(SSHError) -> SudoHost.Forward {
        SudoHost.Forward(try inner.openTunnel(toPort: port, host: host))
    }

    func close() { inner.close() }
}

/// The number of requests made of a session's hosts.
public final class RequestCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    public init() {}

    public var value: Int { lock.withLock { count } }

    func add() { lock.withLock { count += 1 } }
}
