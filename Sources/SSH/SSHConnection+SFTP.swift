import CLibSSH2
import Crypto
import Foundation

extension SSHConnection {
    /// Checks an upload's SHA-256 on the host, then gives it its mode and renames it into place, all
    /// values as positional arguments: `$1` the temporary file, `$2` the expected digest, `$3` the
    /// octal mode, `$4` the target. Exit 65 (printing the host's digest) when the file arrived
    /// damaged, and it is deleted; 70 when it cannot be hashed.
    static let checkAndPlace =
        #"s=$(sha256sum -b -- "$1" | cut -d' ' -f1) || exit 70; if [ "$s" != "$2" ]; then rm -f -- "$1"; echo "$s"; exit 65; fi; chmod "$3" -- "$1" && mv -f -- "$1" "$4""#

    /// Uploads a local file to `remotePath` so that the path holds either its old content or the
    /// complete new content, never a partial file.
    ///
    /// The bytes go to a temporary name beside the target over SFTP; the host then computes their
    /// SHA-256, compares it with the local one, sets `mode` and moves the file into place with
    /// `mv -f` (SFTP v3 rename cannot replace a file). Missing parent folders are created (0755).
    ///
    /// - Throws: `SSHError` `.sftp` (with the SFTP status), `.checksumMismatch`, `.timeout`.
    public func upload(
        file localPath: String, to remotePath: String, mode: UInt32 = 0o644, timeout: Duration = .seconds(3600)
    ) throws(SSHError)
        -> UploadResult
    {
        guard let handle = FileHandle(forReadingAtPath: localPath) else {
            throw SSHError(.sftp, "\(configuration.label): cannot read the local file \(localPath)")
        }
        defer { try? handle.close() }
        return try upload(to: remotePath, mode: mode, timeout: timeout) { try? handle.read(upToCount: 1 << 20) }
    }

    /// Copies a local file to `remotePath` under a temporary name renamed into place, like
    /// `upload(file:to:mode:timeout:)` but without the host's SHA-256 check and fsync: for content
    /// the caller verifies itself afterwards (a release bundle, whose every file the host checks
    /// against the signed SHA256SUMS), at the speed of scp.
    ///
    /// `progress` hears the label, the bytes sent and the file's size after each chunk.
    public func transfer(
        file localPath: String, to remotePath: String, timeout: Duration = .seconds(3600),
        progress: TransferProgress.Observer? = nil
    ) throws(SSHError) -> UploadResult {
        guard let handle = FileHandle(forReadingAtPath: localPath) else {
            throw SSHError(.sftp, "\(configuration.label): cannot read the local file \(localPath)")
        }
        defer { try? handle.close() }
        let size = (try? FileManager.default.attributesOfItem(atPath: localPath)[.size] as? NSNumber)?.uint64Value ?? 0
        var sent: UInt64 = 0
        let label = configuration.label
        return try upload(to: remotePath, mode: 0o600, timeout: timeout, checked: false) {
            if let progress, sent > 0 { progress(label, sent, size) }
            let chunk = try? handle.read(upToCount: 1 << 20)
            sent += UInt64(chunk?.count ?? 0)
            return chunk
        }
    }

    /// Uploads `data` to `remotePath` with the same guarantees as `upload(file:to:mode:timeout:)`.
    public func upload(_ data: Data, to remotePath: String, mode: UInt32 = 0o644, timeout: Duration = .seconds(600))
        throws(SSHError)
        -> UploadResult
    {
        var offset = 0
        return try upload(to: remotePath, mode: mode, timeout: timeout) {
            guard offset < data.count else { return nil }
            let end = min(data.count, offset + (1 << 20))
            defer { offset = end }
            return data.subdata(in: offset..<end)
        }
    }

    private func upload(to remotePath: String, mode: UInt32, timeout: Duration, checked: Bool = true, next: () -> Data?)
        throws(SSHError) -> UploadResult
    {
        try operation { () throws(SSHError) -> UploadResult in
            let started = ContinuousClock.now
            let deadline = Deadline(after: timeout)
            let directory = (remotePath as NSString).deletingLastPathComponent
            let name = (remotePath as NSString).lastPathComponent
            try makeDirectories(directory.isEmpty ? "." : directory, deadline: deadline)
            let temporary =
                (directory.isEmpty ? "" : directory + "/") + ".\(name).deployctl-\(UUID().uuidString.prefix(8)).tmp"
            var hasher = SHA256()
            var total: UInt64 = 0
            do throws(SSHError) {
                let sftp = try sftpSession(deadline: deadline)
                let flags = UInt(LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_TRUNC | LIBSSH2_FXF_EXCL)
                let file = try opening("creating \(temporary)", deadline: deadline, code: .sftp) { _ in
                    libssh2_sftp_open_ex(
                        sftp, temporary, UInt32(temporary.utf8.count), flags, Int(0o600), LIBSSH2_SFTP_OPENFILE)
                }
                defer {
                    _ = try? sending("closing \(temporary)", deadline: Deadline(after: .seconds(10))) { _ in
                        Int(libssh2_sftp_close_handle(file))
                    }
                }
                while let chunk = next(), !chunk.isEmpty {
                    if checked { hasher.update(data: chunk) }
                    total += UInt64(chunk.count)
                    try withBytes(of: chunk) { (raw: UnsafeRawBufferPointer) throws(SSHError) in
                        var offset = 0
                        while offset < raw.count {
                            let written = try sending("writing \(temporary)", deadline: deadline) { _ in
                                libssh2_sftp_write(
                                    file, raw.baseAddress!.advanced(by: offset).assumingMemoryBound(to: CChar.self),
                                    raw.count - offset)
                            }
                            guard written >= 0 else { throw sftpFailure("writing \(temporary)", result: written) }
                            offset += written
                        }
                    }
                }
                if checked {
                    let synced = try sending("syncing \(temporary)", deadline: deadline) { _ in
                        Int(libssh2_sftp_fsync(file))
                    }
                    guard synced == 0 || synced == Int(LIBSSH2_ERROR_SFTP_PROTOCOL) else {
                        throw sftpFailure("syncing \(temporary)", result: synced)
                    }
                }
            } catch {
                abandonSFTP()
                _ = try? execute("rm -f -- \(ShellQuote.quote(temporary))", options: ExecOptions(timeout: .seconds(10)))
                throw error
            }
            let digest = checked ? hasher.finalize().map { String(format: "%02x", $0) }.joined() : ""
            let finish =
                checked
                ? "sh -c "
                    + [Self.checkAndPlace, "sh", temporary, digest, String(mode, radix: 8), remotePath]
                    .map(ShellQuote.quote).joined(separator: " ")
                : "mv -f -- \(ShellQuote.quote(temporary)) \(ShellQuote.quote(remotePath))"
            let result = try execute(finish, options: ExecOptions(timeout: deadline.remaining))
            if result.exitStatus == 65 {
                throw SSHError(
                    .checksumMismatch,
                    "\(configuration.label): \(remotePath) arrived damaged: SHA-256 on the host \(result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)), local \(digest); the old file was left in place"
                )
            }
            guard result.succeeded else {
                _ = try? execute("rm -f -- \(ShellQuote.quote(temporary))", options: ExecOptions(timeout: .seconds(10)))
                throw SSHError(
                    .sftp,
                    "\(configuration.label): cannot move the upload into \(remotePath) (\(result.outcome)): \(result.stderrText)"
                )
            }
            return UploadResult(
                remotePath: remotePath, bytes: total, sha256: digest, duration: started.duration(to: .now))
        }
    }

    /// Downloads `remotePath` into `localPath` (written under a temporary name, then renamed).
    ///
    /// - Returns: the number of bytes received.
    public func download(_ remotePath: String, to localPath: String, timeout: Duration = .seconds(3600))
        throws(SSHError) -> UInt64
    {
        let temporary = localPath + ".deployctl-partial"
        _ = FileManager.default.createFile(atPath: temporary, contents: nil, attributes: [.posixPermissions: 0o600])
        guard let output = FileHandle(forWritingAtPath: temporary) else {
            throw SSHError(.sftp, "\(configuration.label): cannot write the local file \(temporary)")
        }
        do throws(SSHError) {
            let total = try read(remotePath, timeout: timeout) { chunk in try? output.write(contentsOf: chunk) }
            try? output.close()
            _ = try? FileManager.default.removeItem(atPath: localPath)
            do {
                try FileManager.default.moveItem(atPath: temporary, toPath: localPath)
            } catch {
                throw SSHError(
                    .sftp,
                    "\(configuration.label): cannot move the download to \(localPath): \(error.localizedDescription)")
            }
            return total
        } catch {
            try? output.close()
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
    }

    /// Reads a whole remote file into memory; meant for small files (reports, env files, configs).
    public func contents(of remotePath: String, timeout: Duration = .seconds(60)) throws(SSHError) -> Data {
        var data = Data()
        _ = try read(remotePath, timeout: timeout) { data.append($0) }
        return data
    }

    /// `contents(of:timeout:)` for async code, off the cooperative pool.
    public func read(contentsOf remotePath: String, timeout: Duration = .seconds(60)) async throws(SSHError) -> Data {
        try await offload { () throws(SSHError) in try self.contents(of: remotePath, timeout: timeout) }
    }

    private func read(_ remotePath: String, timeout: Duration, sink: (Data) -> Void) throws(SSHError) -> UInt64 {
        try operation { () throws(SSHError) -> UInt64 in
            let deadline = Deadline(after: timeout)
            let sftp = try sftpSession(deadline: deadline)
            let file = try opening("opening \(remotePath)", deadline: deadline, code: .sftp) { _ in
                libssh2_sftp_open_ex(
                    sftp, remotePath, UInt32(remotePath.utf8.count), UInt(LIBSSH2_FXF_READ), 0, LIBSSH2_SFTP_OPENFILE)
            }
            defer {
                _ = try? sending("closing \(remotePath)", deadline: Deadline(after: .seconds(10))) { _ in
                    Int(libssh2_sftp_close_handle(file))
                }
            }
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 1)
            defer { buffer.deallocate() }
            var total: UInt64 = 0
            while true {
                let count = try sending("reading \(remotePath)", deadline: deadline) { _ in
                    libssh2_sftp_read(file, buffer.baseAddress!.assumingMemoryBound(to: CChar.self), buffer.count)
                }
                if count == 0 { return total }
                guard count > 0 else { throw sftpFailure("reading \(remotePath)", result: count) }
                total += UInt64(count)
                sink(Data(UnsafeRawBufferPointer(rebasing: buffer[0..<count])))
            }
        }
    }

    /// Stats `remotePath` (following symlinks); nil when nothing is there.
    public func stat(_ remotePath: String, timeout: Duration = .seconds(30)) throws(SSHError) -> RemoteFileInfo? {
        try operation { () throws(SSHError) -> RemoteFileInfo? in
            try stat(remotePath, deadline: Deadline(after: timeout))
        }
    }

    private func stat(_ remotePath: String, deadline: Deadline) throws(SSHError) -> RemoteFileInfo? {
        let sftp = try sftpSession(deadline: deadline)
        var attributes = LIBSSH2_SFTP_ATTRIBUTES()
        let result = try sending("stat \(remotePath)", deadline: deadline) { _ in
            Int(libssh2_sftp_stat_ex(sftp, remotePath, UInt32(remotePath.utf8.count), LIBSSH2_SFTP_STAT, &attributes))
        }
        if result == Int(LIBSSH2_ERROR_SFTP_PROTOCOL),
            lock.withLock({ libssh2_sftp_last_error(sftp) }) == UInt(LIBSSH2_FX_NO_SUCH_FILE)
        {
            return nil
        }
        guard result == 0 else { throw sftpFailure("stat \(remotePath)", result: result) }
        let type = UInt32(attributes.permissions) & UInt32(LIBSSH2_SFTP_S_IFMT)
        return RemoteFileInfo(
            size: UInt64(attributes.filesize), permissions: UInt32(attributes.permissions) & 0o7777,
            isDirectory: type == UInt32(LIBSSH2_SFTP_S_IFDIR), isRegularFile: type == UInt32(LIBSSH2_SFTP_S_IFREG),
            uid: UInt32(attributes.uid), gid: UInt32(attributes.gid),
            modified: Date(timeIntervalSince1970: TimeInterval(attributes.mtime)))
    }

    /// Creates `path` and its missing parents, like `mkdir -p`.
    public func makeDirectories(_ path: String, mode: UInt32 = 0o755, timeout: Duration = .seconds(30)) throws(SSHError)
    {
        try operation { () throws(SSHError) in try makeDirectories(path, mode: mode, deadline: Deadline(after: timeout))
        }
    }

    private func makeDirectories(_ path: String, mode: UInt32 = 0o755, deadline: Deadline) throws(SSHError) {
        if let existing = try stat(path, deadline: deadline) {
            guard existing.isDirectory else {
                throw SSHError(.sftp, "\(configuration.label): \(path) exists and is not a directory")
            }
            return
        }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty && parent != path { try makeDirectories(parent, mode: mode, deadline: deadline) }
        let sftp = try sftpSession(deadline: deadline)
        let result = try sending("mkdir \(path)", deadline: deadline) { _ in
            Int(libssh2_sftp_mkdir_ex(sftp, path, UInt32(path.utf8.count), Int(mode)))
        }
        if result != 0, try stat(path, deadline: deadline)?.isDirectory != true {
            throw sftpFailure("mkdir \(path)", result: result)
        }
    }

    /// The connection's SFTP subsystem, started on first use and kept for the connection's life.
    private func sftpSession(deadline: Deadline) throws(SSHError) -> OpaquePointer {
        if let existing = lock.withLock({ sftpSession }) { return existing }
        let created = try opening(
            "starting SFTP (is the sftp subsystem enabled in sshd_config?)", deadline: deadline, code: .sftp
        ) {
            libssh2_sftp_init($0)
        }
        return lock.withLock {
            if let raced = sftpSession {
                _ = libssh2_sftp_shutdown(created)
                return raced
            }
            sftpSession = created
            return created
        }
    }

    /// Drops a broken SFTP subsystem so that the next transfer starts a fresh one.
    private func abandonSFTP() {
        lock.withLock {
            if let sftp = sftpSession { _ = libssh2_sftp_shutdown(sftp) }
            sftpSession = nil
        }
    }

    private func sftpFailure(_ what: String, result: Int) -> SSHError {
        let status: UInt = lock.withLock { sftpSession.map { libssh2_sftp_last_error($0) } ?? 0 }
        let reason: String =
            switch status {
            case LIBSSH2_FX_NO_SUCH_FILE: "no such file"
            case LIBSSH2_FX_PERMISSION_DENIED: "permission denied"
            case LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM: "no space left on the filesystem"
            case LIBSSH2_FX_FILE_ALREADY_EXISTS: "file already exists"
            case LIBSSH2_FX_NO_SUCH_PATH: "no such path"
            default: status == 0 ? "transfer broken" : "SFTP status \(status)"
            }
        return failure(.sftp, "\(what): \(reason)", result: result)
    }
}
