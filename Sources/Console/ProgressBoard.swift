import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Progress of long work on a terminal: one line per key (a host, the migrations) that rewrites
/// itself in place. Lines are redrawn when their step changes and at most every `interval` while
/// a transfer counts bytes; `finish()` erases them, so what a command prints afterwards is exactly
/// what it prints without a terminal. The code doing the work never sees the board: the command
/// turns the work's events into `update` calls.
public final class ProgressBoard: @unchecked Sendable {
    private let write: @Sendable (String) -> Void
    private let colored: Bool
    private let columns: @Sendable () -> Int
    private let interval: Duration
    private let lock = NSLock()
    private var keys: [String] = []
    private var texts: [String: String] = [:]
    private var drawnLines = 0
    private var lastDraw: ContinuousClock.Instant?
    /// The keys whose line is a byte count now (their last update was `frequent`).
    private var counting: Set<String> = []
    private var finished = false

    /// Whether a command shows progress: only as text, only when standard error is a terminal that
    /// can move its cursor.
    public static func shown(json: Bool, errorIsTerminal: Bool, environment: [String: String]) -> Bool {
        !json && errorIsTerminal && environment["TERM"] != "dumb"
    }

    /// A board on standard error when `shown(…)` says so, else nil. Keys are bold unless `color`
    /// is `never` or `NO_COLOR` is set.
    public static func onStandardError(
        json: Bool, color: ColorMode, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> ProgressBoard? {
        guard shown(json: json, errorIsTerminal: isatty(STDERR_FILENO) == 1, environment: environment) else {
            return nil
        }
        return ProgressBoard(
            colored: color != .never && environment["NO_COLOR"] == nil,
            write: { FileHandle.standardError.write(Data($0.utf8)) },
            columns: {
                var size = winsize()
                return ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 ? Int(size.ws_col) : 80
            })
    }

    /// `write` receives the escapes and text; `columns` is the terminal's width (lines are cut to fit).
    public init(
        colored: Bool, interval: Duration = .milliseconds(100), write: @escaping @Sendable (String) -> Void,
        columns: @escaping @Sendable () -> Int = { 80 }
    ) {
        self.colored = colored
        self.interval = interval
        self.write = write
        self.columns = columns
    }

    /// Sets `key`'s line to `text`. A new key or a new text is drawn at once, and so is the first
    /// byte count (`frequent`) after a step; the counts that follow it are drawn only when
    /// `interval` has passed since the last drawing.
    public func update(_ key: String, _ text: String, frequent: Bool = false) {
        lock.withLock {
            guard !finished, texts[key] != text else { return }
            if texts[key] == nil { keys.append(key) }
            texts[key] = text
            let continuing = counting.contains(key)
            if frequent { counting.insert(key) } else { counting.remove(key) }
            if frequent, continuing, let lastDraw, lastDraw.duration(to: .now) < interval { return }
            draw()
        }
    }

    /// Erases the lines; later updates are ignored.
    public func finish() {
        lock.withLock {
            guard !finished else { return }
            finished = true
            if drawnLines > 0 { write(Self.rewind(drawnLines) + "\u{1B}[J") }
            drawnLines = 0
        }
    }

    /// Back to the start of the first of `lines` drawn lines (the cursor is at the end of the last).
    private static func rewind(_ lines: Int) -> String {
        "\r" + (lines > 1 ? "\u{1B}[\(lines - 1)A" : "")
    }

    private func draw() {
        let width = max(20, columns() - 1)
        let keyWidth = keys.map(\.count).max() ?? 0
        let lines = keys.map { key -> String in
            let room = width - keyWidth - 2
            let text = texts[key] ?? ""
            let cut = text.count > room ? String(text.prefix(max(0, room - 1))) + "…" : text
            let label = key.padding(toLength: keyWidth, withPad: " ", startingAt: 0)
            return (colored ? "\u{1B}[1m\(label)\u{1B}[0m" : label) + "  " + cut
        }
        write(
            (drawnLines > 0 ? Self.rewind(drawnLines) : "")
                + lines.map { "\u{1B}[2K" + $0 }.joined(separator: "\n") + "\u{1B}[J")
        drawnLines = lines.count
        lastDraw = .now
    }

    /// `upload 12.0/101.6 MiB  45.2 MiB/s  2 s left`: bytes, rate and time left of a transfer `seconds` old.
    public static func transferText(sent: UInt64, total: UInt64, seconds: Double) -> String {
        let mebibyte = 1_048_576.0
        var text = String(format: "upload %.1f/%.1f MiB", Double(sent) / mebibyte, Double(total) / mebibyte)
        guard seconds > 0, sent > 0 else { return text }
        let rate = Double(sent) / seconds
        text += String(format: "  %.1f MiB/s", rate / mebibyte)
        if total > sent { text += "  \(Int((Double(total - sent) / rate).rounded(.up))) s left" }
        return text
    }
}
