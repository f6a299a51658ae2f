import Console
import Foundation
import Testing

@Suite("ProgressBoard: one line per host on a terminal, rewritten in place and erased at the end")
struct ProgressBoardTests {
    /// What a board wrote, in order.
    final class Written: @unchecked Sendable {
        private let lock = NSLock()
        private var texts: [String] = []
        func append(_ text: String) { lock.withLock { texts.append(text) } }
        var all: [String] { lock.withLock { texts } }
    }

    /// A board that records what it writes.
    private func board(colored: Bool = false, interval: Duration = .seconds(3600), columns: Int = 80) -> (
        ProgressBoard, Written
    ) {
        let written = Written()
        let board = ProgressBoard(
            colored: colored, interval: interval, write: { written.append($0) }, columns: { columns })
        return (board, written)
    }

    @Test("progress is shown only as text, on a terminal that can move its cursor")
    func shownOnlyOnATerminal() {
        #expect(ProgressBoard.shown(json: false, errorIsTerminal: true, environment: [:]))
        #expect(ProgressBoard.shown(json: false, errorIsTerminal: true, environment: ["NO_COLOR": "1"]))
        #expect(!ProgressBoard.shown(json: true, errorIsTerminal: true, environment: [:]))
        #expect(!ProgressBoard.shown(json: false, errorIsTerminal: false, environment: [:]))
        #expect(!ProgressBoard.shown(json: false, errorIsTerminal: true, environment: ["TERM": "dumb"]))
    }

    @Test("each key has its line; a redraw goes back to the first line; finish erases them all")
    func linesRewriteThemselves() {
        let (board, written) = board()
        board.update("prod2", "verify-release 3f2a9c1d0b8e7a65")
        board.update("museshow", "upload 1.0/10.0 MiB")
        board.update("prod2", "install-unit qtickets_api.service")
        board.finish()
        board.update("prod2", "after the end")
        #expect(
            written.all == [
                "\u{1B}[2Kprod2  verify-release 3f2a9c1d0b8e7a65\u{1B}[J",
                "\r\u{1B}[2Kprod2     verify-release 3f2a9c1d0b8e7a65\n\u{1B}[2Kmuseshow  upload 1.0/10.0 MiB\u{1B}[J",
                "\r\u{1B}[1A\u{1B}[2Kprod2     install-unit qtickets_api.service\n\u{1B}[2Kmuseshow  upload 1.0/10.0 MiB\u{1B}[J",
                "\r\u{1B}[1A\u{1B}[J",
            ])
    }

    @Test("byte counts are drawn at most once per interval; a new step at once; an unchanged line not at all")
    func throttled() {
        let (board, written) = board()
        board.update("prod2", "upload 1.0/10.0 MiB", frequent: true)
        board.update("prod2", "upload 2.0/10.0 MiB", frequent: true)
        board.update("prod2", "upload 3.0/10.0 MiB", frequent: true)
        board.update("prod2", "verify-release 3f2a9c1d0b8e7a65")
        board.update("prod2", "verify-release 3f2a9c1d0b8e7a65")
        let drawn = written.all
        #expect(drawn.count == 2)
        #expect(drawn.last?.contains("verify-release") == true)
    }

    @Test("the first byte count after a step is drawn at once, however soon: a quick upload still shows its bytes")
    func firstCountAtOnce() {
        let (board, written) = board()
        board.update("prod2", "upload 3f2a9c1d0b8e7a65")
        board.update("prod2", "upload 1.0/10.0 MiB", frequent: true)
        board.update("prod2", "upload 2.0/10.0 MiB", frequent: true)
        #expect(written.all.count == 2)
        #expect(written.all.last?.contains("upload 1.0/10.0 MiB") == true)
    }

    @Test("keys are bold only when coloured; a line is cut to the terminal's width")
    func colourAndWidth() {
        let (plain, plainWritten) = board(columns: 30)
        plain.update("prod2", "verify: " + String(repeating: "x", count: 60))
        let line = plainWritten.all.first ?? ""
        #expect(!line.contains("\u{1B}[1m"))
        #expect(Terminal.visibleWidth(line.replacingOccurrences(of: "\u{1B}[2K", with: "")) <= 29)
        #expect(line.hasSuffix("…\u{1B}[J"))
        let (colored, coloredWritten) = board(colored: true)
        colored.update("prod2", "verify: database")
        #expect(coloredWritten.all.first?.contains("\u{1B}[1mprod2\u{1B}[0m") == true)
    }

    @Test("an upload's line: bytes, rate and time left")
    func transferText() {
        #expect(ProgressBoard.transferText(sent: 0, total: 10_485_760, seconds: 0) == "upload 0.0/10.0 MiB")
        #expect(
            ProgressBoard.transferText(sent: 2_097_152, total: 10_485_760, seconds: 0.5)
                == "upload 2.0/10.0 MiB  4.0 MiB/s  2 s left")
        #expect(
            ProgressBoard.transferText(sent: 10_485_760, total: 10_485_760, seconds: 2)
                == "upload 10.0/10.0 MiB  5.0 MiB/s")
    }
}
