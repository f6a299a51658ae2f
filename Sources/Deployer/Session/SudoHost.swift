import Environments
import Foundation
import HostScripts
import SSH

/// A host logged into as a user who is not root, with `[ssh] become = "sudo"`: every command runs
/// through `sudo -n` (never a password prompt: a missing right fails at once, naming the command),
/// uploads land in a private temporary file first and are moved into place by root, and files are
/// read and looked at through `sudo -n` too. Tunnels need no privilege.
final class SudoHost: RemoteHost, @unchecked Sendable {
    let inner: any RemoteHost
    let user: String

    init(_ inner: any RemoteHost, user: String) {
        self.inner = inner
        self.user = user
    }

    var label: String { inner.label }
    var hostKey: HostKey { inner.hostKey }

    func run(_ command: String, options: SSHConnection.ExecOptions) async throws(SSHError) -> CommandResult {
        let result = try await inner.run("sudo -n sh -c " + ShellQuote.quote(command), options: options)
        let refusal = result.stderrText
        guard result.exitStatus == 1, refusal.hasPrefix("sudo:") else { return result }
        let script = HostScriptSource.all.first { command.hasPrefix("sh -c " + ShellQuote.quote($0.text)) }
        let what = script.map { "host script `\($0.name)`" } ?? "`\(command.prefix { $0 != "\n" }.prefix(120))`"
        let explained =
            "\(label): `sudo -n` refused to run \(what) for \(user) (\(refusal.trimmingCharacters(in: .whitespacesAndNewlines))); "
            + "deployctl needs a sudoers rule without a password, such as `\(user) ALL=(root) NOPASSWD: ALL`\n"
        return CommandResult(
            command: command, stdout: result.stdout, stderr: Data(explained.utf8), exitStatus: result.exitStatus,
            exitSignal: result.exitSignal,
            duration: result.duration)
    }

    func upload(_ data: Data, to remotePath: String, mode: UInt32, timeout: Duration) async throws(SSHError)
        -> UploadResult
    {
        let staged = "/tmp/.deployctl-upload-\(UUID().uuidString)"
        let uploaded = try await inner.upload(data, to: staged, mode: 0o600, timeout: timeout)
        try await place(staged, at: remotePath, mode: mode)
        return UploadResult(
            remotePath: remotePath, bytes: uploaded.bytes, sha256: uploaded.sha256, duration: uploaded.duration)
    }

    func upload(file localPath: String, to remotePath: String, mode: UInt32, timeout: Duration) async throws(SSHError)
        -> UploadResult
    {
        let staged = "/tmp/.deployctl-upload-\(UUID().uuidString)"
        let uploaded = try await inner.upload(file: localPath, to: staged, mode: 0o600, timeout: timeout)
        try await place(staged, at: remotePath, mode: mode)
        return UploadResult(
            remotePath: remotePath, bytes: uploaded.bytes, sha256: uploaded.sha256, duration: uploaded.duration)
    }

    func transfer(file localPath: String, to remotePath: String, timeout: Duration) async throws(SSHError)
        -> UploadResult
    {
        let staged = "/tmp/.deployctl-upload-\(UUID().uuidString)"
        let uploaded = try await inner.transfer(file: localPath, to: staged, timeout: timeout)
        try await place(staged, at: remotePath, mode: 0o600)
        return UploadResult(
            remotePath: remotePath, bytes: uploaded.bytes, sha256: uploaded.sha256, duration: uploaded.duration)
    }

    /// Root moves the staged file next to its target, sets owner and mode, and renames it into place.
    private func place(_ staged: String, at remotePath: String, mode: UInt32) async throws(SSHError) {
        let result = try await run(
            HostScriptSource.placeFile.commandLine(
                [staged, remotePath, String(mode, radix: 8), String(UUID().uuidString.prefix(8))]),
            options: .init(timeout: .seconds(120)))
        guard result.succeeded else {
            _ = try? await inner.run("rm -f \(ShellQuote.quote(staged))", options: .init(timeout: .seconds(30)))
            throw SSHError(.sftp, "\(label): moving the upload into \(remotePath) as root failed: \(result.stderrText)")
        }
    }

    func read(contentsOf remotePath: String, timeout: Duration) async throws(SSHError) -> Data {
        let result = try await run("cat \(ShellQuote.quote(remotePath))", options: .init(timeout: timeout))
        guard result.succeeded else { throw SSHError(.sftp, "\(label): reading \(remotePath): \(result.stderrText)") }
        return result.stdout
    }

    func stat(_ remotePath: String, timeout: Duration) async throws(SSHError) -> RemoteFileInfo? {
        let result = try await run(
            HostScriptSource.statFile.commandLine([remotePath]), options: .init(timeout: timeout))
        let fields = result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ")
        guard result.succeeded, fields.count >= 6, let size = UInt64(fields[0]),
            let permissions = UInt32(fields[1], radix: 8)
        else { return nil }
        let type = fields[2..<(fields.count - 3)].joined(separator: " ")
        return RemoteFileInfo(
            size: size, permissions: permissions, isDirectory: type == "directory",
            isRegularFile: type.hasPrefix("regular"),
            uid: UInt32(fields[fields.count - 3]) ?? 0, gid: UInt32(fields[fields.count - 2]) ?? 0,
            modified: Date(timeIntervalSince1970: TimeInterval(fields[fields.count - 1]) ?? 0))
    }

    func openTunnel(toPort port: Int, host: String) throws(SSHError) -> Forward {
        Forward(try inner.openTunnel(toPort: port, host: host))
    }

    /// The inner host's forward, whatever its type.
    final class Forward: PortForward {
        let wrapped: any PortForward
        init(_ wrapped: any PortForward) { self.wrapped = wrapped }
        var localPort: Int { wrapped.localPort }
        var lastError: SSHError? { wrapped.lastError }
        func close() { wrapped.close() }
    }

    func close() { inner.close() }
}
