import Foundation
import HTTPServer
import NIOCore
import NIOHTTP1
import QTicketsSimulator
import Testing

@Suite("list calls: GET with a JSON body")
struct ListQueryTests {
    let simulator = QTicketsSimulator(dataset: SimulatorDataset(seed: 3, orders: 800, events: 5), token: testToken)

    func ids(_ answer: [String: Any]) -> [Int] {
        (answer["data"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
    }

    func total(_ answer: [String: Any]) -> Int {
        (answer["paging"] as? [String: Any])?["total"] as? Int ?? -1
    }

    @Test("ceil(total / perPage) pages cover every visible id exactly once, in ascending order")
    func pagingCoversEveryId() async {
        let client = InProcessClient(simulator)
        let perPage = 37
        let first = await client.object("/orders", body: #"{"perPage":37}"#)
        let total = total(first)
        #expect(total == simulator.truth().visibleOrders)
        var seen: [Int] = []
        for page in 1...((total + perPage - 1) / perPage) {
            let answer = await client.object("/orders", body: #"{"perPage":37,"page":\#(page)}"#)
            let paging = answer["paging"] as? [String: Any]
            #expect(
                paging?["perPage"] as? Int == 37 && paging?["currentPage"] as? Int == page
                    && paging?["total"] as? Int == total)
            seen += ids(answer)
        }
        #expect(seen == Array(1_600_001...(1_600_000 + total)))
        let beyond = await client.object(
            "/orders", body: #"{"perPage":37,"page":\#((total + perPage - 1) / perPage + 1)}"#)
        #expect(ids(beyond).isEmpty)
    }

    @Test("defaults: 50 orders and 10 events per page, id ascending; perPage caps at 1000")
    func defaults() async {
        let client = InProcessClient(simulator)
        let orders = await client.object("/orders")
        #expect(ids(orders) == Array(1_600_001...1_600_050))
        #expect((orders["paging"] as? [String: Any])?["perPage"] as? Int == 50)
        #expect(orders["meta"] == nil && orders["links"] == nil)
        let events = await client.object("/events")
        #expect(ids(events).count == 5 && (events["paging"] as? [String: Any])?["perPage"] as? Int == 10)
        let capped = await client.object("/orders", body: #"{"perPage":5000}"#)
        #expect((capped["paging"] as? [String: Any])?["perPage"] as? Int == 1000)
    }

    @Test("id > X, payed = 1, event_id in, deleted_at null and orderBy desc filter as documented")
    func filters() async {
        let client = InProcessClient(simulator)
        let all = await client.allOrders()
        let after = await client.object(
            "/orders", body: #"{"where":[{"column":"id","operator":">","value":1600700}],"perPage":1000}"#)
        #expect(ids(after) == all.compactMap { $0["id"] as? Int }.filter { $0 > 1_600_700 })
        let paid = await client.object(
            "/orders",
            body:
                #"{"where":[{"column":"payed","value":1},{"column":"id","operator":">","value":1600100}],"orderBy":{"id":"asc"},"perPage":1000}"#
        )
        let expectedPaid = all.filter { $0["payed"] as? Bool == true && ($0["id"] as? Int ?? 0) > 1_600_100 }.compactMap
        { $0["id"] as? Int }
        #expect(ids(paid) == expectedPaid && total(paid) == expectedPaid.count)
        let eventIds = Array(Set(all.compactMap { $0["event_id"] as? Int })).sorted().prefix(2)
        let inEvents = await client.object(
            "/orders",
            body:
                #"{"where":[{"column":"event_id","operator":"in","value":[\#(eventIds.map(String.init).joined(separator: ","))]}],"perPage":1000}"#
        )
        #expect(
            ids(inEvents)
                == all.filter { eventIds.contains($0["event_id"] as? Int ?? 0) }.compactMap { $0["id"] as? Int })
        let live = await client.object(
            "/orders", body: #"{"where":[{"column":"deleted_at","operator":"null"}],"perPage":1000}"#)
        #expect(total(live) == all.filter { IndependentTruth.isNull($0["deleted_at"]) }.count)
        let descending = await client.object("/orders", body: #"{"orderBy":{"id":"desc"},"perPage":3}"#)
        #expect(ids(descending) == [1_600_000 + all.count, 1_599_999 + all.count, 1_599_998 + all.count])
        let none = await client.object("/orders", body: #"{"where":[{"column":"id","value":-1}]}"#)
        #expect(total(none) == 0)
    }

    @Test("paging a filtered list in id order, ascending or descending, gives every match once")
    func filteredPaging() async {
        let client = InProcessClient(simulator)
        let all = await client.allOrders()
        let expected = all.filter { $0["payed"] as? Bool == true && ($0["id"] as? Int ?? 0) > 1_600_050 }.compactMap {
            $0["id"] as? Int
        }
        for (direction, wanted) in [("asc", expected), ("desc", Array(expected.reversed()))] {
            var seen: [Int] = []
            var page = 1
            while true {
                let answer = await client.object(
                    "/orders",
                    body:
                        #"{"where":[{"column":"payed","value":true},{"column":"id","operator":">","value":1600050}],"orderBy":{"id":"\#(direction)"},"perPage":23,"page":\#(page)}"#
                )
                #expect(total(answer) == expected.count)
                let pageIds = ids(answer)
                seen += pageIds
                if pageIds.count < 23 { break }
                page += 1
            }
            #expect(seen == wanted)
        }
    }

    @Test("updated_at >= a +03:00 value matches the same instant given in UTC; a +0300 value is ignored")
    func dateFilters() async {
        let client = InProcessClient(simulator)
        let all = await client.allOrders()
        let cutoff = "2025-10-01T12:00:00+03:00"
        let parser = ISO8601DateFormatter()
        let cutoffDate = parser.date(from: cutoff) ?? Date()
        let expected = all.filter {
            parser.date(from: $0["updated_at"] as? String ?? "").map { $0 >= cutoffDate } ?? false
        }.compactMap { $0["id"] as? Int }
        #expect(!expected.isEmpty && expected.count < all.count)
        let moscow = await client.object(
            "/orders", body: #"{"where":[{"column":"updated_at","operator":">=","value":"\#(cutoff)"}],"perPage":1000}"#
        )
        #expect(ids(moscow) == expected)
        let utc = await client.object(
            "/orders",
            body: #"{"where":[{"column":"updated_at","operator":">=","value":"2025-10-01T09:00:00Z"}],"perPage":1000}"#)
        #expect(ids(utc) == expected)
        let sorted = await client.object(
            "/orders",
            body:
                #"{"where":[{"column":"updated_at","operator":">=","value":"\#(cutoff)"}],"orderBy":{"updated_at":"asc"},"perPage":1000}"#
        )
        let stamps = (sorted["data"] as? [[String: Any]] ?? []).compactMap {
            parser.date(from: $0["updated_at"] as? String ?? "")
        }
        #expect(stamps == stamps.sorted() && stamps.count == expected.count)
        let compact = await client.object(
            "/orders", body: #"{"where":[{"column":"updated_at","operator":">=","value":"2025-10-01T12:00:00+0300"}]}"#)
        #expect(total(compact) == all.count)
    }

    @Test("errors look like the real API's: 403, 404 JSON, 404 HTML, 503 on POST and on unknown columns")
    func errors() async throws {
        let good = InProcessClient(simulator)
        let wrongToken = await InProcessClient(simulator, token: "wrong-" + UUID().uuidString).send("/orders")
        #expect(wrongToken.status == 403 && String(buffer: wrongToken.body) == #"{"error":"Forbidden","status":403}"#)
        #expect(wrongToken.headers.first(name: "Server") == "nginx/1.14.1")
        #expect(wrongToken.headers.first(name: "Cache-Control") == "no-cache, private")
        let missing = await good.send("/orders/4360")
        #expect(missing.status == 404)
        #expect(
            String(buffer: missing.body)
                == #"{"error":"Resource \"Order\" not found","status":404,"code":"RESOURCE_NOT_FOUND","info":{"id":4360,"resource":"Order"}}"#
        )
        let missingEvent = await good.send("/events/12")
        #expect(missingEvent.status == 404 && String(buffer: missingEvent.body).contains(#""resource":"Event""#))
        for path in ["/orders/filter", "/events/4001/seats", "/barcodes"] {
            let page = await good.send(path)
            #expect(page.status == 404 && page.headers.first(name: "Content-Type")?.hasPrefix("text/html") == true)
            #expect(String(buffer: page.body).contains("Страница не найдена 404 – Qtickets"))
        }
        let post = await good.send("/orders", method: "POST", body: #"{"where":[{"column":"payed","value":1}]}"#)
        #expect(
            post.status == 503
                && String(buffer: post.body)
                    == #"{"error":"Unknown error","status":503,"code":"UNKNOWN_ERROR","info":[]}"#
        )
        let extremeId = await good.send("/orders/-9223372036854775808")
        #expect(extremeId.status == 404)
        let extremes = await good.object(
            "/orders",
            body:
                #"{"page":4000000000,"perPage":1000,"where":[{"column":"id","operator":">=","value":-1000000000000000},{"column":"id","operator":"<","value":1000000000000000}]}"#
        )
        #expect(ids(extremes).isEmpty && total(extremes) == simulator.truth().visibleOrders)
        let outOfRange = await good.send(
            "/orders", body: #"{"where":[{"column":"id","operator":">","value":-9223372036854775808}]}"#)
        #expect(outOfRange.status == 200 || outOfRange.status == 503)
        let unknownColumn = await good.send("/orders", body: #"{"where":[{"column":"status","value":"paid"}]}"#)
        #expect(
            unknownColumn.status == 503
                && String(buffer: unknownColumn.body)
                    == #"{"error":"unknown error","status":503,"code":"UNKNOWN_ERROR"}"#
        )
    }

    @Test("an order renders like the real one: timestamps last, empty utm as [], cancelled tickets without barcode")
    func orderShape() async throws {
        let client = InProcessClient(simulator)
        let text = String(buffer: await client.send("/orders", body: #"{"perPage":1000}"#).body)
        #expect(text.contains(#""integrations":[],"created_at":"#))
        #expect(text.contains(#""utm":[]"#) && text.contains(#""utm":{"utm_source""#))
        let all = await client.allOrders()
        let cancelled = try #require(all.first { !IndependentTruth.isNull($0["deleted_at"]) })
        #expect(cancelled["payed"] as? Bool == false && IndependentTruth.isNull(cancelled["payed_at"]))
        for basket in cancelled["baskets"] as? [[String: Any]] ?? [] {
            #expect(
                IndependentTruth.isNull(basket["barcode"]) && basket["ticket_amount"] as? Int == 0
                    && basket["refunded_amount"] as? Int == 0)
            #expect(!IndependentTruth.isNull(basket["deleted_at"]))
        }
        let refunded = try #require(all.first { IndependentTruth.state($0) == .refunded })
        #expect(!((refunded["refunds"] as? [Any]) ?? []).isEmpty)
        let single = await client.object("/orders/\(refunded["id"] as? Int ?? 0)")
        #expect(((single["data"] as? [String: Any])?["integrations"] as? [String: Any])?["roistat"] != nil)
        let seats = await client.object("/shows/20001/seats")
        let zone = (seats["data"] as? [String: [String: Any]])?.values.first
        let seat = (zone?["seats"] as? [String: [String: Any]])?.values.first
        #expect(seat?.keys.sorted() == ["admission", "seat_id"])
    }
}
