import Foundation

/// What a remote command left behind.
public struct CommandResult: Sendable {
    /// The command line as sent.
    public let command: String
    /// Everything written to standard output.
    public let stdout: Data
    /// Everything written to standard error.
    public let stderr: Data
    /// The exit status; meaningless when `exitSignal` is set.
    public let exitStatus: Int32
    /// The signal that ended the command (`TERM`, `KILL`…), if one did.
    public let exitSignal: String?
    /// Wall time from opening the channel to its close.
    public let duration: Duration

    public init(command: String, stdout: Data, stderr: Data, exitStatus: Int32, exitSignal: String?, duration: Duration)
    {
        self.command = command
        self.stdout = stdout
        self.stderr = stderr
        self.exitStatus = exitStatus
        self.exitSignal = exitSignal
        self.duration = duration
    }

    /// `true` when the command exited with status 0 and no signal.
    public var succeeded: Bool { exitStatus == 0 && exitSignal == nil }
    /// Standard output decoded as UTF-8 (invalid sequences replaced).
    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    /// Standard error decoded as UTF-8 (invalid sequences replaced).
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    /// How the command ended, in words: `exit 0`, `exit 3`, `signal TERM`.
    public var outcome: String { exitSignal.map { "signal \($0)" } ?? "exit \(exitStatus)" }
}

/// The stream a line of remote output came from.
public enum CommandStream: String, Sendable {
    case stdout, stderr
}

/// Cuts a byte stream into lines without decoding a UTF-8 sequence split across two reads.
struct LineSplitter {
    private var pending: [UInt8] = []

    mutating func feed(_ bytes: UnsafeRawBufferPointer, emit: (String) -> Void) {
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                emit(String(decoding: pending, as: UTF8.self))
                pending.removeAll(keepingCapacity: true)
            } else {
                pending.append(byte)
            }
        }
    }

    mutating func finish(emit: (String) -> Void) {
        guard !pending.isEmpty else { return }
        emit(String(decoding: pending, as: UTF8.self))
        pending.removeAll()
    }
}
