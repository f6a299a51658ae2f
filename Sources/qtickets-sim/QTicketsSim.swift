import ArgumentParser
import Foundation
import HTTPServer
import QTicketsSimulator

@main
struct QTicketsSim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qtickets-sim",
        abstract: "Serves a simulated QTickets REST API v1 over a seeded dataset, for tests and benchmarks.",
        discussion: """
            The bearer token comes from --token-file or, without it, from $QTICKETS_SIM_TOKEN; it is never printed. \
            The API is under /api/rest/v1, the control routes (truth, advance, faults, stats) under /__sim. \
            Stops on SIGINT or SIGTERM.
            """
    )

    @Option(help: "Address to listen on, HOST:PORT (port 0 picks a free one).")
    var listen = "127.0.0.1:8088"

    @Option(help: "Seed the whole dataset derives from.")
    var seed: UInt64 = 42

    @Option(
        help:
            "Spread the orders over the last N days up to now (default: 90 days from 2025-08-01, the same data every day)."
    )
    var recentDays: Int?

    @Option(help: "Number of orders over the dataset's span.")
    var orders = 100_000

    @Option(help: "Number of events (default: one per 400 orders, 3 to 2,000).")
    var events: Int?

    @Option(help: "Shows per event.")
    var showsPerEvent = 3

    @Option(help: "File holding the bearer token.")
    var tokenFile: String?

    @Option(help: "Offset timestamps are rendered with, e.g. +05:00.")
    var timestampOffset = "+03:00"

    func validate() throws {
        guard address != nil else { throw ValidationError("--listen must be HOST:PORT, e.g. 127.0.0.1:8088") }
        guard orders > 0, showsPerEvent > 0, (events ?? 1) > 0 else {
            throw ValidationError("--orders, --events and --shows-per-event must be positive")
        }
        guard offsetSeconds != nil else { throw ValidationError("--timestamp-offset must look like +03:00 or -05:30") }
    }

    private var address: (host: String, port: Int)? {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
            (0...65535).contains(port)
        else {
            return nil
        }
        let host = String(listen[..<colon])
        return host.isEmpty ? nil : (host, port)
    }

    private var offsetSeconds: Int? {
        let parts = timestampOffset.dropFirst().split(separator: ":")
        guard let sign = timestampOffset.first, sign == "+" || sign == "-", parts.count == 2,
            let hours = Int(parts[0]), let minutes = Int(parts[1]), hours < 24, minutes < 60
        else { return nil }
        return (sign == "-" ? -1 : 1) * (hours * 3600 + minutes * 60)
    }

    func run() async throws {
        let token = try readToken()
        guard let address, let offset = offsetSeconds else {
            throw ValidationError("invalid --listen or --timestamp-offset")
        }
        let started = Date()
        let dataset =
            recentDays.map { days in
                SimulatorDataset(
                    seed: seed, orders: orders, events: events, showsPerEvent: showsPerEvent,
                    start: Date().addingTimeInterval(-Double(days) * 86400),
                    span: Double(days) * 86400)
            } ?? SimulatorDataset(seed: seed, orders: orders, events: events, showsPerEvent: showsPerEvent)
        let simulator = QTicketsSimulator(dataset: dataset, token: token, timestampOffset: offset)
        let server = try await simulator.start(host: address.host, port: address.port)
        say(
            "qtickets-sim: \(orders) orders, \(dataset.events.count) events built in \(String(format: "%.1f", Date().timeIntervalSince(started))) s"
        )
        say("qtickets-sim: API \(server.baseURL)")
        say("qtickets-sim: control \(server.controlURL)")
        await Termination.wait()
        await server.stop()
        say("qtickets-sim: stopped")
    }

    /// Writes a line unbuffered, so a parent process reading the pipe sees the URL at once.
    private func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    private func readToken() throws -> String {
        let raw: String?
        if let tokenFile {
            do {
                raw = try String(contentsOfFile: tokenFile, encoding: .utf8)
            } catch {
                throw ValidationError("cannot read the token file \(tokenFile): \(error.localizedDescription)")
            }
        } else {
            raw = ProcessInfo.processInfo.environment["QTICKETS_SIM_TOKEN"]
        }
        guard let token = raw?.trimmingCharacters(in: .whitespacesAndNewlines), !token.isEmpty else {
            throw ValidationError("no token: pass --token-file PATH or set QTICKETS_SIM_TOKEN")
        }
        return token
    }
}
