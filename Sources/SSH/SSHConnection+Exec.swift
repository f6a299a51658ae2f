import CLibSSH2
import Foundation

extension SSHConnection {
    /// Options for one remote command.
    public struct ExecOptions: Sendable {
        /// Time allowed from start to exit; nil waits as long as the command runs.
        public var timeout: Duration?
        /// Bytes written to the command's standard input, which is then closed.
        public var stdin: Data?
        /// Called with each complete line of output as it arrives (for progress and logs).
        public var onLine: (@Sendable (CommandStream, String) -> Void)?

        /// Creates options; by default no timeout, empty standard input, no line callback.
        public init(
            timeout: Duration? = nil, stdin: Data? = nil, onLine: (@Sendable (CommandStream, String) -> Void)? = nil
        ) {
            self.timeout = timeout
            self.stdin = stdin
            self.onLine = onLine
        }
    }

    /// Runs `command` through the remote user's shell and waits for it to end.
    ///
    /// Standard output and standard error are drained together, so a command that writes a lot to
    /// one of them never stalls on a full channel window. A non-zero exit is not an error: read
    /// `CommandResult.exitStatus`. Blocks the calling thread; use `run(_:options:)` from async code.
    ///
    /// With a timeout the command runs under coreutils' `timeout`, because libssh2 1.10 cannot send
    /// a signal over a channel: closing the channel alone would leave the remote process running.
    ///
    /// - Throws: `SSHError` `.commandTimeout` when `options.timeout` passes (the remote process is
    ///   terminated, then killed), `.channel` when the channel cannot be opened or breaks,
    ///   `.disconnected` after `close()`.
    public func execute(_ command: String, options: ExecOptions = ExecOptions()) throws(SSHError) -> CommandResult {
        guard let limit = options.timeout else {
            return try execute(command, sent: command, options: options, grace: .zero)
        }
        let seconds = String(format: "%.3f", max(0.001, limit.secondsValue))
        let wrapped = "timeout --kill-after=2 \(seconds) sh -c \(ShellQuote.quote(command))"
        let result = try execute(command, sent: wrapped, options: options, grace: .seconds(5))
        if result.duration >= limit && (result.exitStatus == 124 || result.exitStatus == 137) {
            throw SSHError(
                .commandTimeout,
                "\(configuration.label): `\(command)` ran longer than \(limit) and was stopped on the host")
        }
        return result
    }

    private func execute(_ command: String, sent: String, options: ExecOptions, grace: Duration) throws(SSHError)
        -> CommandResult
    {
        try operation { () throws(SSHError) -> CommandResult in
            let started = ContinuousClock.now
            let deadline = Deadline(after: (options.timeout ?? .seconds(365 * 86_400)) + grace)
            let channel = try opening("opening a channel", deadline: deadline) { session in
                libssh2_channel_open_ex(
                    session, "session", 7, deployctl_channel_window_default(), deployctl_channel_packet_default(), nil,
                    0)
            }
            defer { release(channel) }
            let started_ = try sending("starting `\(command)`", deadline: deadline) { _ in
                Int(libssh2_channel_process_startup(channel, "exec", 4, sent, UInt32(sent.utf8.count)))
            }
            guard started_ == 0 else {
                throw failure(.channel, "the server refused to run `\(command)`", result: started_)
            }
            if let stdin = options.stdin { try write(stdin, to: channel, deadline: deadline) }
            _ = try sending("closing standard input", deadline: deadline) { _ in Int(libssh2_channel_send_eof(channel))
            }

            var output = [Data(), Data()]
            var splitters = [LineSplitter(), LineSplitter()]
            let streams: [CommandStream] = [.stdout, .stderr]
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 128 * 1024, alignment: 1)
            defer { buffer.deallocate() }
            while true {
                var progressed = false
                for index in 0..<2 {
                    let count = attempt { _ in
                        libssh2_channel_read_ex(
                            channel, Int32(index), buffer.baseAddress!.assumingMemoryBound(to: CChar.self), buffer.count
                        )
                    }
                    if count > 0 {
                        progressed = true
                        let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
                        output[index].append(contentsOf: chunk)
                        if let onLine = options.onLine {
                            splitters[index].feed(chunk) { onLine(streams[index], $0) }
                        }
                    } else if count < 0 && count != Int(LIBSSH2_ERROR_EAGAIN) {
                        throw failure(.channel, "reading the output of `\(command)` failed", result: count)
                    }
                }
                if progressed { continue }
                if attempt({ _ in Int(libssh2_channel_eof(channel)) }) == 1 { break }
                if deadline.hasPassed {
                    let limit = options.timeout.map { "\($0)" } ?? "its deadline"
                    throw SSHError(
                        .commandTimeout,
                        "\(configuration.label): `\(command)` ran longer than \(limit); its channel was closed")
                }
                waitForData(deadline: deadline)
            }
            if let onLine = options.onLine {
                for index in 0..<2 { splitters[index].finish { onLine(streams[index], $0) } }
            }
            _ = try sending("closing the channel", deadline: deadline) { _ in Int(libssh2_channel_close(channel)) }
            _ = try sending("waiting for the channel to close", deadline: deadline) { _ in
                Int(libssh2_channel_wait_closed(channel))
            }
            let (status, signal) = lock.withLock { exitInformation(channel) }
            return CommandResult(
                command: command, stdout: output[0], stderr: output[1], exitStatus: status, exitSignal: signal,
                duration: started.duration(to: .now))
        }
    }

    /// Runs `command` without tying up a Swift concurrency thread: libssh2 waits happen on a
    /// thread of their own.
    public func run(_ command: String, options: ExecOptions = ExecOptions()) async throws(SSHError) -> CommandResult {
        try await offload { () throws(SSHError) in try self.execute(command, options: options) }
    }

    func write(_ data: Data, to channel: OpaquePointer, deadline: Deadline) throws(SSHError) {
        try withBytes(of: data) { (raw: UnsafeRawBufferPointer) throws(SSHError) in
            var offset = 0
            while offset < raw.count {
                let chunk = min(raw.count - offset, 256 * 1024)
                let written = try sending("writing to the channel", deadline: deadline) { _ in
                    libssh2_channel_write_ex(
                        channel, 0, raw.baseAddress!.advanced(by: offset).assumingMemoryBound(to: CChar.self), chunk)
                }
                guard written >= 0 else {
                    throw failure(.channel, "writing to the remote command failed", result: written)
                }
                offset += written
            }
        }
    }

    /// `libssh2_channel_get_exit_status` answers 0 both for "exit 0" and for "killed by a signal",
    /// so the signal is read as well.
    private func exitInformation(_ channel: OpaquePointer) -> (Int32, String?) {
        let status = libssh2_channel_get_exit_status(channel)
        var name: UnsafeMutablePointer<CChar>?
        var nameLength = 0
        _ = libssh2_channel_get_exit_signal(channel, &name, &nameLength, nil, nil, nil, nil)
        guard let name else { return (status, nil) }
        defer { libssh2_free(session, name) }
        let signal = String(cString: name)
        return (status, signal.isEmpty ? nil : signal)
    }

    func release(_ channel: OpaquePointer) {
        let deadline = Deadline(after: .seconds(5))
        _ = try? sending("freeing the channel", deadline: deadline) { _ in Int(libssh2_channel_free(channel)) }
    }
}

/// `Data.withUnsafeBytes` rethrows untyped errors; this keeps `SSHError` typed.
func withBytes<R>(of data: Data, _ body: (UnsafeRawBufferPointer) throws(SSHError) -> R) throws(SSHError) -> R {
    let result: Result<R, SSHError> = data.withUnsafeBytes { raw in
        do throws(SSHError) {
            return .success(try body(raw))
        } catch {
            return .failure(error)
        }
    }
    return try result.get()
}

/// Runs blocking work on a Dispatch thread so that the two-thread cooperative pool stays free.
func offload<T: Sendable>(_ body: @escaping @Sendable () throws(SSHError) -> T) async throws(SSHError) -> T {
    let result: Result<T, SSHError> = await withCheckedContinuation { continuation in
        DispatchQueue.global().async {
            let outcome: Result<T, SSHError>
            do throws(SSHError) {
                outcome = .success(try body())
            } catch {
                outcome = .failure(error)
            }
            continuation.resume(returning: outcome)
        }
    }
    return try result.get()
}
