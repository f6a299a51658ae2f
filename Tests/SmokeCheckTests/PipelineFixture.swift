import ClickHouse

/// Rows for the pipeline's staging tables, written the way the loader writes them: amounts at order
/// level computed from the paid baskets, every instant UTC, relative to the server's clock.
enum PipelineFixture {
    static let events = """
        INSERT INTO stg_qtickets_events (event_id, name, city_id, city, timezone, currency, is_active, updated_at, is_deleted, _version, _run_id)
        VALUES (101, 'Concert', 1, 'Москва', 'Europe/Moscow', 'RUB', true, now64(3), false, 1, generateUUIDv4()),
               (102, 'Play', 2, 'Томск', 'Asia/Tomsk', 'RUB', true, now64(3), false, 1, generateUUIDv4())
        """

    static let shows = """
        INSERT INTO stg_qtickets_shows (show_id, event_id, start_at, is_active, updated_at, is_deleted, _version, _run_id)
        VALUES (1001, 101, now64(3) + INTERVAL 10 DAY, true, now64(3), false, 1, generateUUIDv4()),
               (1002, 102, now64(3) + INTERVAL 20 DAY, true, now64(3), false, 1, generateUUIDv4())
        """

    /// Order 1: two tickets paid an hour ago; order 2: one ticket paid yesterday; order 3: an unpaid
    /// reservation; order 4: two tickets, one of them refunded.
    static let orders = """
        INSERT INTO stg_qtickets_orders
            (order_id, event_id, show_id, client_id, created_at, updated_at, paid_at, is_paid, state, currency,
             tickets_count, gross_amount, refunded_amount, _version, _run_id)
        VALUES (1, 101, 1001, 501, now64(3) - INTERVAL 2 HOUR, now64(3) - INTERVAL 1 HOUR, now64(3) - INTERVAL 1 HOUR, true, 'paid', 'RUB',
                2, 2000, 0, 1, generateUUIDv4()),
               (2, 102, 1002, 502, now64(3) - INTERVAL 25 HOUR, now64(3) - INTERVAL 24 HOUR, now64(3) - INTERVAL 24 HOUR, true, 'paid', 'RUB',
                1, 500, 0, 1, generateUUIDv4()),
               (3, 101, 1001, 503, now64(3) - INTERVAL 30 MINUTE, now64(3) - INTERVAL 30 MINUTE, NULL, false, 'pending', 'RUB',
                1, 300, 0, 1, generateUUIDv4()),
               (4, 101, 1001, 504, now64(3) - INTERVAL 3 HOUR, now64(3) - INTERVAL 1 HOUR, now64(3) - INTERVAL 3 HOUR, true,
                'partially_refunded', 'RUB', 2, 1000, 500, 1, generateUUIDv4())
        """

    static let tickets = """
        INSERT INTO stg_qtickets_tickets
            (ticket_id, order_id, show_id, quantity, original_price, price, refunded_amount, is_refunded, refunded_at,
             is_deleted, deleted_at, created_at, updated_at, _version, _run_id)
        VALUES (11, 1, 1001, 1, 1000, 1000, 0, false, NULL, false, NULL, now64(3) - INTERVAL 2 HOUR, now64(3) - INTERVAL 1 HOUR, 1, generateUUIDv4()),
               (12, 1, 1001, 1, 1000, 1000, 0, false, NULL, false, NULL, now64(3) - INTERVAL 2 HOUR, now64(3) - INTERVAL 1 HOUR, 1, generateUUIDv4()),
               (21, 2, 1002, 1, 500, 500, 0, false, NULL, false, NULL, now64(3) - INTERVAL 25 HOUR, now64(3) - INTERVAL 24 HOUR, 1, generateUUIDv4()),
               (31, 3, 1001, 1, 300, 300, 0, false, NULL, false, NULL, now64(3) - INTERVAL 30 MINUTE, now64(3) - INTERVAL 30 MINUTE, 1, generateUUIDv4()),
               (41, 4, 1001, 1, 500, 500, 0, false, NULL, false, NULL, now64(3) - INTERVAL 3 HOUR, now64(3) - INTERVAL 3 HOUR, 1, generateUUIDv4()),
               (42, 4, 1001, 1, 500, 500, 500, true, now64(3) - INTERVAL 1 HOUR, true, now64(3) - INTERVAL 1 HOUR,
                now64(3) - INTERVAL 3 HOUR, now64(3) - INTERVAL 1 HOUR, 1, generateUUIDv4())
        """

    /// A successful run of the loader that finished `minutesAgo` minutes ago by the server's clock.
    static func okRun(finishedMinutesAgo minutesAgo: Int) -> String {
        """
        INSERT INTO meta_job_runs (run_id, job, started_at, finished_at, status, rows_orders, _version)
        VALUES (generateUUIDv4(), 'qtickets_api', now64(3) - INTERVAL \(minutesAgo + 1) MINUTE, now64(3) - INTERVAL \(minutesAgo) MINUTE,
                'ok', 4, 2)
        """
    }

    /// Loads the consistent dataset: every smoke check passes on it.
    static func load(into client: some ClickHouseQuerying) async throws {
        for statement in [events, shows, orders, tickets, okRun(finishedMinutesAgo: 5)] {
            try await client.execute(statement)
        }
    }
}
