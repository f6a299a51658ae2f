import QTicketsAPI

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A read-only probe of the API (`qtickets-api check-api`), also what the E2E verification runs
/// from the host: reachability, token validity, and that the server applies the JSON-body filter
/// (a filter matching nothing must answer `total` 0; a server that dropped the body would answer
/// the whole list, the original pipeline's "only 2021 data").
public struct APIProbe: Sendable {
    public let client: QTicketsClient

    public init(client: QTicketsClient) {
        self.client = client
    }

    public struct Report: Sendable {
        public var lines: [String] = []
        public var passed = true
    }

    public func run() async -> Report {
        var report = Report()
        let started = ContinuousClock.now
        do {
            let events = try await client.page("events", ListQuery(page: 1, perPage: 1), of: Event.self)
            let elapsed = ContinuousClock.now - started
            report.lines.append(
                "ok    token accepted, \(events.page.paging.total) events visible (\(Int(elapsed.seconds * 1000)) ms)")
        } catch {
            report.passed = false
            report.lines.append("fail  \(error.description)")
            return report
        }
        do {
            let none = try await client.orders(ListQuery(where: [.init("id", "=", .int(-1))], page: 1, perPage: 1))
            if none.page.paging.total == 0 {
                report.lines.append("ok    JSON-body filters applied (id = -1 matches nothing)")
            } else {
                report.passed = false
                report.lines.append(
                    "fail  the API ignored the JSON body: id = -1 answered \(none.page.paging.total) orders")
            }
        } catch {
            report.passed = false
            report.lines.append("fail  \(error.description)")
        }
        return report
    }
}
