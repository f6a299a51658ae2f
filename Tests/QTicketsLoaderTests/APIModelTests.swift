import Foundation
import QTicketsAPI
import Testing

@Suite("QTickets API models")
struct APIModelTests {
    @Test("instants keep their offset: +03:00, +0300, +07:00, Z and fractions are the same instant when they should be")
    func instantsParseOffsets() throws {
        let moscow = try #require(Instant(iso8601: "2025-11-03T12:30:00+03:00"))
        #expect(Instant(iso8601: "2025-11-03T12:30:00+0300") == moscow)
        #expect(Instant(iso8601: "2025-11-03T09:30:00Z") == moscow)
        #expect(Instant(iso8601: "2025-11-03T16:30:00+07:00") == moscow)
        #expect(Instant(iso8601: "2025-11-03 09:30:00.250Z")?.milliseconds == moscow.milliseconds + 250)
        #expect(moscow.utcText == "2025-11-03 09:30:00.000")
        #expect(moscow.iso8601() == "2025-11-03T12:30:00+03:00")
        #expect(Instant(iso8601: "2025-11-03T12:30:00") == nil, "a time without an offset is ambiguous")
        #expect(Instant(iso8601: "2025-13-03T12:30:00+03:00") == nil)
        #expect(Instant(iso8601: "1969-12-31T23:59:59Z")?.utcText == "1969-12-31 23:59:59.000")
    }

    @Test("order JSON: escapes and \\u sequences decode, numbers may be strings, amounts are exact decimal text")
    func readerDetails() throws {
        let order = try Order(
            json: Data(
                OrderFixtures.order(baskets: [OrderFixtures.basket(id: 9, price: 1)])
                    .replacingOccurrences(of: "\"price\":1,", with: "\"price\":\"1499.505\",")
                    .replacingOccurrences(
                        of: "\"seat_name\":\"Партер, ряд 21, место 12\"",
                        with: #""seat_name":"\u041f\u0430\"\ud83c\udfad\\n""#
                    )
                    .replacingOccurrences(of: "\"id\":1604211", with: "\"id\":\"1604211\"").utf8))
        #expect(order.id == 1_604_211)
        #expect(order.baskets.first?.price.kopecks == 149_951, "1499.505 rounds half away from zero")
        #expect(order.baskets.first?.seatName == "Па\"🎭\\n")
    }

    @Test(
        "a truncated, doubled or malformed answer is invalid (and so retried), never half-read",
        arguments: [
            String(OrderFixtures.mixedPage.prefix(OrderFixtures.mixedPage.count / 2)),
            OrderFixtures.mixedPage + "{}",
            OrderFixtures.mixedPage.replacingOccurrences(of: "\"paging\"", with: "\"pages\""),
            OrderFixtures.mixedPage.replacingOccurrences(of: "\"event_id\":33", with: "\"event\":33"),
            "<html>502 Bad Gateway</html>",
        ])
    func invalidAnswers(json: String) {
        #expect {
            try Order.page(json: Data(json.utf8))
        } throws: { error in
            (error as? QTicketsError)?.kind == .invalidResponse && (error as? QTicketsError)?.isTransient == true
        }
    }

    @Test("amounts are exact kopecks from numbers and numeric strings")
    func moneyIsExact() throws {
        let amounts = ["1499.5", "100", #""250.25""#, "0.1", "-3"]
        let baskets = amounts.enumerated().map { index, amount in
            OrderFixtures.basket(id: index + 1, price: 1).replacingOccurrences(
                of: "\"price\":1,", with: "\"price\":\(amount),")
        }
        let prices = try Order(json: Data(OrderFixtures.order(baskets: baskets).utf8)).baskets.map(\.price)
        #expect(prices.map(\.kopecks) == [149_950, 10_000, 25_025, 10, -300])
        #expect(prices.map(\.description) == ["1499.50", "100.00", "250.25", "0.10", "-3.00"])
    }

    @Test("a real-shaped order decodes: utm as [] or an object, custom \"\", unknown fields ignored")
    func orderDecodes() throws {
        let page = try Order.page(json: Data(OrderFixtures.mixedPage.utf8))
        let orders = page.data
        #expect(orders.count == 2 && page.paging.total == 2 && page.paging.perPage == 50)
        #expect(orders[0].utm == Order.UTM())
        #expect(orders[1].utm.source == "vk" && orders[1].utm.campaign == "autumn")
        #expect(orders[0].siteHost == "irs.qtickets.ru")
        #expect(orders[0].baskets.count == 2 && orders[0].baskets[0].seatID == "CENTER_PARTERRE-21;12")
    }

    /// Amounts follow migration 0001: a basket counts unless cancelled without a refund, so a
    /// pending order shows what it would bring; the facts only count orders with `paid_at`.
    @Test(
        "the state is derived from the order and its baskets, first match wins",
        arguments: [
            (OrderFixtures.paid, Order.State.paid, 2, 300_000, 0),
            (OrderFixtures.pending, .pending, 1, 150_000, 0),
            (OrderFixtures.cancelled, .cancelled, 0, 0, 0),
            (OrderFixtures.refunded, .refunded, 1, 150_000, 140_000),
            (OrderFixtures.partiallyRefunded, .partiallyRefunded, 2, 300_000, 150_000),
            (OrderFixtures.basketCancelled, .paid, 1, 150_000, 0),
        ])
    func stateAndAmounts(json: String, state: Order.State, tickets: Int64, gross: Int64, refunded: Int64) throws {
        let order = try Order(json: Data(json.utf8))
        #expect(order.state == state)
        #expect(order.ticketsCount == tickets)
        #expect(order.grossAmount.kopecks == gross)
        #expect(order.refundedAmount.kopecks == refunded)
    }
}
