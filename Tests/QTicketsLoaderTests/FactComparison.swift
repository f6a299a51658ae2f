import ClickHouse
import QTicketsSimulator

/// The warehouse's daily facts against the simulator's ground truth, key by key, to the kopeck.
enum FactComparison {
    struct SalesKey: Hashable, CustomStringConvertible {
        let date: String
        let event: Int64
        let show: Int64
        let city: String
        var description: String { "\(date) event \(event) show \(show) \(city)" }
    }

    struct SalesFigures: Equatable {
        var ticketsSold: Int64
        var ticketsRefunded: Int64
        var revenueKopecks: Int64
        var refundsKopecks: Int64
        var orders: Int64
    }

    /// `fact_sales_daily` in the database `client` uses.
    static func sales(in client: ClickHouseClient) async throws -> [SalesKey: SalesFigures] {
        let rows = try await client.rows(
            """
            SELECT toString(sales_date), event_id, show_id, city, tickets_sold, tickets_refunded,
                   toInt64(revenue * 100), toInt64(refunds * 100), orders
            FROM fact_sales_daily
            """)
        var sales: [SalesKey: SalesFigures] = [:]
        for row in rows {
            let number = { (index: Int) in Int64(row[index] ?? "") ?? -1 }
            sales[SalesKey(date: row[0] ?? "", event: number(1), show: number(2), city: row[3] ?? "")] = SalesFigures(
                ticketsSold: number(4), ticketsRefunded: number(5), revenueKopecks: number(6),
                refundsKopecks: number(7), orders: number(8))
        }
        return sales
    }

    /// The truth keyed like the facts.
    static func expected(_ truth: SimulatorTruth) -> [SalesKey: SalesFigures] {
        var sales: [SalesKey: SalesFigures] = [:]
        for (key, figures) in truth.sales {
            sales[SalesKey(date: key.salesDate, event: Int64(key.eventId), show: Int64(key.showId), city: key.city)] =
                SalesFigures(
                    ticketsSold: Int64(figures.ticketsSold), ticketsRefunded: Int64(figures.ticketsRefunded),
                    revenueKopecks: figures.revenueKopecks, refundsKopecks: figures.refundsKopecks,
                    orders: Int64(figures.orders))
        }
        return sales
    }

    /// Every key where they differ, readable; empty when equal.
    static func differences(stored: [SalesKey: SalesFigures], truth: SimulatorTruth) -> [String] {
        let expected = expected(truth)
        return Set(stored.keys).union(expected.keys).sorted { $0.description < $1.description }.compactMap { key in
            stored[key] == expected[key]
                ? nil
                : "\(key): warehouse \(stored[key].map { "\($0)" } ?? "none"), truth \(expected[key].map { "\($0)" } ?? "none")"
        }
    }
}
