import Foundation

/// What deploy and verify logic needs of one host: run a command, move files, look at a path, and
/// reach a port on the host's own network. `SSHConnection` is the real conformer; logic written
/// against this protocol can also be exercised with an in-memory host in unit tests.
///
/// Every requirement that waits on the network is `async` and keeps the wait off the cooperative
/// thread pool.
public protocol RemoteHost: AnyObject, Sendable {
    /// What `openTunnel(toPort:host:)` returns.
    associatedtype Tunnel: PortForward

    /// The host's name in messages (the environment's name for it).
    var label: String { get }

    /// The host key the host presented when the connection was made.
    var hostKey: HostKey { get }

    /// Runs `command` through the login user's shell.
    func run(_ command: String, options: SSHConnection.ExecOptions) async throws(SSHError) -> CommandResult

    /// Writes `data` to `remotePath` atomically (old content or all of the new, never a part), SHA-256 checked on the host.
    func upload(_ data: Data, to remotePath: String, mode: UInt32, timeout: Duration) async throws(SSHError)
        -> UploadResult

    /// Copies a local file to `remotePath` with the same guarantees as `upload(_:to:mode:timeout:)`.
    func upload(file localPath: String, to remotePath: String, mode: UInt32, timeout: Duration) async throws(SSHError)
        -> UploadResult

    /// Copies a local file without a checksum of its own, for content the caller verifies afterwards (see `SSHConnection.transfer`).
    /// Reports how far it got to the task's `TransferProgress.observer`, if one is bound.
    func transfer(file localPath: String, to remotePath: String, timeout: Duration) async throws(SSHError)
        -> UploadResult

    /// The whole content of a (small) remote file.
    func read(contentsOf remotePath: String, timeout: Duration) async throws(SSHError) -> Data

    /// What is at `remotePath` (following symlinks), or nil when nothing is.
    func stat(_ remotePath: String, timeout: Duration) async throws(SSHError) -> RemoteFileInfo?

    /// Forwards a new listener on the workstation's 127.0.0.1 to `host:port` as seen from the host.
    func openTunnel(toPort port: Int, host: String) throws(SSHError) -> Tunnel

    /// Ends the connection and everything running on it.
    func close()
}

extension RemoteHost {
    /// `run(_:options:)` with default options.
    public func run(_ command: String) async throws(SSHError) -> CommandResult {
        try await run(command, options: SSHConnection.ExecOptions())
    }

    /// `upload(_:to:mode:timeout:)` with a ten-minute timeout.
    public func upload(_ data: Data, to remotePath: String, mode: UInt32 = 0o644) async throws(SSHError) -> UploadResult
    {
        try await upload(data, to: remotePath, mode: mode, timeout: .seconds(600))
    }

    /// `read(contentsOf:timeout:)` with a one-minute timeout.
    public func read(contentsOf remotePath: String) async throws(SSHError) -> Data {
        try await read(contentsOf: remotePath, timeout: .seconds(60))
    }

    /// `stat(_:timeout:)` with a 30-second timeout.
    public func stat(_ remotePath: String) async throws(SSHError) -> RemoteFileInfo? {
        try await stat(remotePath, timeout: .seconds(30))
    }
}

/// A local listener forwarded to a port on a host (see `RemoteHost.openTunnel(toPort:host:)`).
public protocol PortForward: AnyObject, Sendable {
    /// The port on the workstation's 127.0.0.1.
    var localPort: Int { get }

    /// Why the host last refused to open the forwarded connection, if it did.
    var lastError: SSHError? { get }

    /// Stops listening and closes every forwarded connection.
    func close()
}

extension SSHTunnel: PortForward {}

extension SSHConnection: RemoteHost {
    public var label: String { configuration.label }

    /// `upload(_:to:mode:timeout:)` for async code, off the cooperative pool.
    public func upload(_ data: Data, to remotePath: String, mode: UInt32, timeout: Duration) async throws(SSHError)
        -> UploadResult
    {
        try await offload { () throws(SSHError) in try self.upload(data, to: remotePath, mode: mode, timeout: timeout) }
    }

    /// `upload(file:to:mode:timeout:)` for async code, off the cooperative pool.
    public func upload(file localPath: String, to remotePath: String, mode: UInt32, timeout: Duration)
        async throws(SSHError) -> UploadResult
    {
        try await offload { () throws(SSHError) in
            try self.upload(file: localPath, to: remotePath, mode: mode, timeout: timeout)
        }
    }

    /// `transfer(file:to:timeout:)` for async code, off the cooperative pool.
    public func transfer(file localPath: String, to remotePath: String, timeout: Duration) async throws(SSHError)
        -> UploadResult
    {
        let progress = TransferProgress.observer
        return try await offload { () throws(SSHError) in
            try self.transfer(file: localPath, to: remotePath, timeout: timeout, progress: progress)
        }
    }

    /// `stat(_:timeout:)` for async code, off the cooperative pool.
    public func stat(_ remotePath: String, timeout: Duration) async throws(SSHError) -> RemoteFileInfo? {
        try await offload { () throws(SSHError) in try self.stat(remotePath, timeout: timeout) }
    }
}
