/// Orders shaped like the real captures (qtickets-api.md §3.1): field order, PHP quirks and all.
enum OrderFixtures {
    static func order(
        payed: Bool = true, payedAt: String? = "2025-11-03T12:31:00+03:00", deletedAt: String? = nil,
        utm: String = "[]",
        baskets: [String]
    ) -> String {
        """
        {"id":1604211,"uniqid":"AbCdEf1234","payed":\(payed),"payed_at":\(payedAt.map { "\"\($0)\"" } ?? "null"),
        "client_id":77,"client":{"id":77,"email":"someone@example.org","details":{"name":"A"}},
        "site_id":3,"site":{"id":3,"host":"irs.qtickets.ru"},"payment_type_id":"card","reserved":false,
        "reserved_to":"2025-11-04T12:30:00+03:00","event_id":33,"price":3000,"original_price":3000,"currency_id":"RUB",
        "utm":\(utm),"custom":"","fields":[],"baskets":[\(baskets.joined(separator: ","))],"refunds":[],"integrations":[],
        "created_at":"2025-11-03T12:30:00+03:00","updated_at":"2025-11-03T12:31:00+03:00",
        "deleted_at":\(deletedAt.map { "\"\($0)\"" } ?? "null")}
        """
    }

    static func basket(
        id: Int, price: Int = 1500, deletedAt: String? = nil, refundedAt: String? = nil, refundedAmount: Int = 0
    ) -> String {
        """
        {"id":\(id),"series":"882024089","barcode":null,"show_id":501,"seat_id":"CENTER_PARTERRE-21;12",
        "seat_name":"Партер, ряд 21, место 12","original_price":\(price),"ticket_original_price":\(price),"discount_value":0,
        "price":\(price),"ticket_amount":\(deletedAt == nil ? price : 0),"service_fee_amount":0,"multiprice_code":null,"quantity":1,
        "refunded_at":\(refundedAt.map { "\"\($0)\"" } ?? "null"),"refunded_amount":\(refundedAmount),"services":[],"refunds":[],
        "checked_at":null,"created_at":"2025-11-03T12:30:00+03:00","updated_at":"2025-11-03T12:31:00+03:00",
        "deleted_at":\(deletedAt.map { "\"\($0)\"" } ?? "null")}
        """
    }

    static let paid = order(baskets: [basket(id: 1), basket(id: 2)])
    static let pending = order(payed: false, payedAt: nil, baskets: [basket(id: 1)])
    static let cancelled = order(
        payed: false, payedAt: nil, deletedAt: "2025-11-04T12:45:00+03:00",
        baskets: [basket(id: 1, deletedAt: "2025-11-04T12:45:00+03:00")])
    static let refunded = order(
        deletedAt: "2025-11-05T10:00:00+03:00",
        baskets: [
            basket(
                id: 1, deletedAt: "2025-11-05T10:00:00+03:00", refundedAt: "2025-11-05T10:00:00+03:00",
                refundedAmount: 1400)
        ])
    static let partiallyRefunded = order(
        baskets: [
            basket(id: 1),
            basket(
                id: 2, deletedAt: "2025-11-05T10:00:00+03:00", refundedAt: "2025-11-05T10:00:00+03:00",
                refundedAmount: 1500),
        ])
    static let basketCancelled = order(baskets: [basket(id: 1), basket(id: 2, deletedAt: "2025-11-05T10:00:00+03:00")])
    static let mixedPage =
        #"{"data":["# + paid + ","
        + order(utm: #"{"utm_source":"vk","utm_medium":"cpc","utm_campaign":"autumn"}"#, baskets: [basket(id: 3)])
        + #"],"paging":{"perPage":50,"currentPage":1,"total":2}}"#
}
