import Foundation
import SSH

/// A `RemoteHost` that lives in memory, for unit tests of logic written against the protocol:
/// files are a dictionary, every command is recorded and answered by `respond`.
public final class InMemoryHost: RemoteHost, @unchecked Sendable {
    /// What a command answers: stdout, stderr and exit status.
    public struct Answer: Sendable {
        public var stdout: String
        public var stderr: String
        public var exitStatus: Int32

        public init(stdout: String = "", stderr: String = "", exitStatus: Int32 = 0) {
            self.stdout = stdout
            self.stderr = stderr
            self.exitStatus = exitStatus
        }
    }

    /// One file as uploaded, with its mode.
    public struct File: Sendable, Equatable {
        public var data: Data
        public var mode: UInt32
    }

    public let label: String
    public let hostKey: HostKey
    private let respond: @Sendable (String) -> Answer
    private let lock = NSLock()
    private var state = State()

    private struct State {
        var files: [String: File] = [:]
        var commands: [String] = []
        var closeCount = 0
    }

    public init(
        label: String, files: [String: String] = [:],
        respond: @escaping @Sendable (String) -> Answer = { _ in Answer() }
    ) {
        self.label = label
        self.hostKey = HostKey(type: "ssh-ed25519", blob: Array(label.utf8))
        self.respond = respond
        withState { state in
            for (path, text) in files { state.files[path] = File(data: Data(text.utf8), mode: 0o644) }
        }
    }

    /// Every command run so far, in order.
    public var commands: [String] { withState { $0.commands } }
    /// The files, by path.
    public var files: [String: File] { withState { $0.files } }
    /// How many times `close()` was called.
    public var closeCount: Int { withState { $0.closeCount } }

    public func run(_ command: String, options: SSHConnection.ExecOptions) async throws(SSHError) -> CommandResult {
        try checkOpen()
        withState { $0.commands.append(command) }
        let answer = respond(command)
        return CommandResult(
            command: command, stdout: Data(answer.stdout.utf8), stderr: Data(answer.stderr.utf8),
            exitStatus: answer.exitStatus,
            exitSignal: nil, duration: .zero)
    }

    public func upload(_ data: Data, to remotePath: String, mode: UInt32, timeout: Duration) async throws(SSHError)
        -> UploadResult
    {
        try checkOpen()
        withState { $0.files[remotePath] = File(data: data, mode: mode) }
        return UploadResult(remotePath: remotePath, bytes: UInt64(data.count), sha256: "", duration: .zero)
    }

    public func upload(file localPath: String, to remotePath: String, mode: UInt32, timeout: Duration)
        async throws(SSHError) -> UploadResult
    {
        guard let data = FileManager.default.contents(atPath: localPath) else {
            throw SSHError(.sftp, "\(label): cannot read the local file \(localPath)")
        }
        return try await upload(data, to: remotePath, mode: mode, timeout: timeout)
    }

    public func transfer(file localPath: String, to remotePath: String, timeout: Duration) async throws(SSHError)
        -> UploadResult
    {
        try await upload(file: localPath, to: remotePath, mode: 0o600, timeout: timeout)
    }

    public func read(contentsOf remotePath: String, timeout: Duration) async throws(SSHError) -> Data {
        try checkOpen()
        guard let file = withState({ $0.files[remotePath] }) else {
            throw SSHError(.sftp, "opening \(remotePath): no such file")
        }
        return file.data
    }

    public func stat(_ remotePath: String, timeout: Duration) async throws(SSHError) -> RemoteFileInfo? {
        try checkOpen()
        return withState { $0.files[remotePath] }.map {
            RemoteFileInfo(
                size: UInt64($0.data.count), permissions: $0.mode, isDirectory: false, isRegularFile: true, uid: 0,
                gid: 0,
                modified: Date(timeIntervalSince1970: 0))
        }
    }

    public func openTunnel(toPort port: Int, host: String) throws(SSHError) -> Forward {
        try checkOpen()
        return Forward()
    }

    public func close() {
        withState { $0.closeCount += 1 }
    }

    private func withState<T>(_ body: (inout State) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&state)
    }

    private func checkOpen() throws(SSHError) {
        if withState({ $0.closeCount > 0 }) { throw SSHError(.disconnected, "\(label): the connection is closed") }
    }

    /// A forward that listens nowhere.
    public final class Forward: PortForward {
        public let localPort = 0
        public let lastError: SSHError? = nil
        public func close() {}
    }
}
