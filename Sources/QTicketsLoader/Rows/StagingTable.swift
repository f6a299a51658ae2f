import QTicketsAPI

/// The staging tables the loader writes (migrations 0001 to 0004), with their explicit column
/// lists: a column missing from the server's table is an insert error, never a silent default.
public enum StagingTable: String, Sendable, CaseIterable {
    case orders = "stg_qtickets_orders"
    case tickets = "stg_qtickets_tickets"
    case events = "stg_qtickets_events"
    case shows = "stg_qtickets_shows"
    case inventory = "stg_qtickets_inventory"

    /// The entity name used in logs, `meta_job_runs` (`rows_<entity>`) and `v_freshness`.
    public var entity: String {
        switch self {
        case .orders: "orders"
        case .tickets: "tickets"
        case .events: "events"
        case .shows: "shows"
        case .inventory: "inventory"
        }
    }

    public var columns: [String] {
        switch self {
        case .orders:
            [
                "order_id", "event_id", "show_id", "client_id", "site_host", "promo_code_id", "created_at",
                "updated_at", "paid_at",
                "refunded_at", "deleted_at", "reserved_to", "is_paid", "state", "currency", "tickets_count",
                "gross_amount",
                "refunded_amount", "utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term", "_version",
                "_run_id",
            ]
        case .tickets:
            [
                "ticket_id", "order_id", "show_id", "seat_id", "zone_id", "seat_name", "multiprice_code", "quantity",
                "original_price",
                "price", "refunded_amount", "is_refunded", "refunded_at", "is_deleted", "deleted_at", "checked_at",
                "created_at",
                "updated_at", "_version", "_run_id",
            ]
        case .events:
            [
                "event_id", "name", "city_id", "city", "timezone", "place_name", "currency", "is_active", "starts_at",
                "ends_at",
                "created_at", "updated_at", "is_deleted", "deleted_at", "_version", "_run_id",
            ]
        case .shows:
            [
                "show_id", "event_id", "start_at", "finish_at", "sale_start_at", "sale_finish_at", "is_active",
                "updated_at",
                "is_deleted", "deleted_at", "_version", "_run_id",
            ]
        case .inventory:
            [
                "show_id", "event_id", "snapshot_at", "seats_total", "seats_sold", "seats_reserved", "seats_free",
                "_run_id",
            ]
        }
    }
}

/// Staging rows of one API answer, with the answer's receive time as `_version`.
struct StagingRows {
    var orders = JSONRowWriter()
    var tickets = JSONRowWriter()
    let runID: String

    init(runID: String) {
        self.runID = runID
    }

    mutating func add(_ order: Order, version: Instant) {
        orders.beginRow()
        orders.int("order_id", order.id)
        orders.int("event_id", order.eventID)
        orders.int("show_id", order.singleShowID ?? 0)
        orders.int("client_id", order.clientID ?? 0)
        orders.string("site_host", order.siteHost)
        orders.optionalInt("promo_code_id", order.promoCodeID)
        orders.instant("created_at", order.createdAt)
        orders.instant("updated_at", order.updatedAt)
        orders.instant("paid_at", order.payedAt)
        orders.instant("refunded_at", order.refundedAt)
        orders.instant("deleted_at", order.deletedAt)
        orders.instant("reserved_to", order.reservedTo)
        orders.bool("is_paid", order.payed)
        orders.string("state", order.state.rawValue)
        orders.string("currency", order.currency)
        orders.int("tickets_count", order.ticketsCount)
        orders.money("gross_amount", order.grossAmount)
        orders.money("refunded_amount", order.refundedAmount)
        orders.string("utm_source", order.utm.source)
        orders.string("utm_medium", order.utm.medium)
        orders.string("utm_campaign", order.utm.campaign)
        orders.string("utm_content", order.utm.content)
        orders.string("utm_term", order.utm.term)
        orders.int("_version", version.milliseconds)
        orders.string("_run_id", runID)
        orders.endRow()
        for basket in order.baskets {
            tickets.beginRow()
            tickets.int("ticket_id", basket.id)
            tickets.int("order_id", order.id)
            tickets.int("show_id", basket.showID)
            tickets.string("seat_id", basket.seatID)
            tickets.string("zone_id", Self.zone(ofSeat: basket.seatID))
            tickets.string("seat_name", basket.seatName)
            tickets.string("multiprice_code", basket.multipriceCode)
            tickets.int("quantity", basket.quantity)
            tickets.money("original_price", basket.originalPrice)
            tickets.money("price", basket.price)
            tickets.money("refunded_amount", basket.refundedAmount)
            tickets.bool("is_refunded", basket.refundedAt != nil)
            tickets.instant("refunded_at", basket.refundedAt)
            tickets.bool("is_deleted", basket.deletedAt != nil)
            tickets.instant("deleted_at", basket.deletedAt)
            tickets.instant("checked_at", basket.checkedAt)
            tickets.instant("created_at", basket.createdAt)
            tickets.instant("updated_at", basket.updatedAt)
            tickets.int("_version", version.milliseconds)
            tickets.string("_run_id", runID)
            tickets.endRow()
        }
    }

    /// `CENTER_PARTERRE-21;12` → `CENTER_PARTERRE`: the part before the last dash.
    static func zone(ofSeat seat: String) -> String {
        guard let dash = seat.lastIndex(of: "-") else { return "" }
        return String(seat[..<dash])
    }
}

/// Event and show rows of one events page.
struct DimensionRows {
    var events = JSONRowWriter(capacity: 4096)
    var shows = JSONRowWriter(capacity: 4096)
    let runID: String

    init(runID: String) {
        self.runID = runID
    }

    mutating func add(_ event: Event, version: Instant) {
        events.beginRow()
        events.int("event_id", event.id)
        events.string("name", event.name)
        events.int("city_id", event.cityID)
        events.string("city", event.city)
        events.string("timezone", event.timezone)
        events.string("place_name", event.placeName)
        events.string("currency", event.currency)
        events.bool("is_active", event.isActive)
        events.instant("starts_at", event.shows.map(\.startAt).min())
        events.instant("ends_at", event.shows.map { $0.finishAt ?? $0.startAt }.max())
        events.instant("created_at", event.createdAt)
        events.instant("updated_at", event.updatedAt)
        events.bool("is_deleted", event.deletedAt != nil)
        events.instant("deleted_at", event.deletedAt)
        events.int("_version", version.milliseconds)
        events.string("_run_id", runID)
        events.endRow()
        for show in event.shows {
            shows.beginRow()
            shows.int("show_id", show.id)
            shows.int("event_id", event.id)
            shows.instant("start_at", show.startAt)
            shows.instant("finish_at", show.finishAt)
            shows.instant("sale_start_at", show.saleStartAt)
            shows.instant("sale_finish_at", show.saleFinishAt)
            shows.bool("is_active", show.isActive)
            shows.instant("updated_at", show.updatedAt)
            shows.bool("is_deleted", show.deletedAt != nil)
            shows.instant("deleted_at", show.deletedAt)
            shows.int("_version", version.milliseconds)
            shows.string("_run_id", runID)
            shows.endRow()
        }
    }
}

/// One inventory snapshot row per show.
struct InventoryRows {
    var rows = JSONRowWriter(capacity: 4096)
    let runID: String

    init(runID: String) {
        self.runID = runID
    }

    mutating func add(show: Int64, event: Int64, counters: SeatCounters, at snapshot: Instant) {
        rows.beginRow()
        rows.int("show_id", show)
        rows.int("event_id", event)
        rows.instant("snapshot_at", snapshot)
        rows.int("seats_total", counters.total)
        rows.int("seats_sold", counters.sold)
        rows.int("seats_reserved", counters.reserved)
        rows.int("seats_free", counters.free)
        rows.string("_run_id", runID)
        rows.endRow()
    }
}
