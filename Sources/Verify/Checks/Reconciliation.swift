import ClickHouse
import Foundation

/// What a dashboard view or fact should hold, computed from staging (or `meta_job_runs`) by its own
/// query, next to what it holds: each query answers one row of `expected UInt64`, `found UInt64` and
/// `differing String` (up to five keys that disagree, empty when none). A view passes when the two
/// counts are equal and no key differs, including when both are zero: an off-season museum whose
/// last paid order is older than the 14-day window has an empty `v_sales_14d`, and that is right.
struct Reconciliation: Sendable {
    /// The object checked (`v_sales_14d`, `fact_sales_daily`).
    let object: String
    /// What `expected` and `found` count, for the report ("day and event keys").
    let unit: Message
    /// Where `expected` comes from, for the report (in Russian as «по …»).
    let source: Message
    /// The sentence for `expected == found == 0`; nil when both zero says nothing more.
    let emptyMeaning: Message?
    let query: String

    /// The reconciliations of the shipped objects, by name. Windows and keys restate each view's
    /// definition in migrations 0005 to 0008: a view that drifts from its contract shows here.
    static let all: [String: Reconciliation] = Dictionary(
        uniqueKeysWithValues: [salesDaily, sales14d, salesLatest, inventory, freshness, jobRunsLatest].map {
            ($0.object, $0)
        })

    /// Paid orders in staging, one row per Moscow sales day and event, with `WINDOW` replaced by a condition.
    private static func paidOrders(_ window: String) -> String {
        """
        SELECT toDate(assumeNotNull(paid_at), 'Europe/Moscow') AS sales_date, event_id, sum(tickets_count) AS tickets,
               sum(gross_amount) AS revenue
        FROM stg_qtickets_orders FINAL
        WHERE paid_at IS NOT NULL AND \(window)
        GROUP BY sales_date, event_id
        """
    }

    /// Per day and event: the staging keys and the object's, tickets and revenue on each side.
    private static func dayAndEvent(_ object: String, window: String, tickets: String, revenue: String) -> String {
        """
        SELECT
            countIf(s.tickets != 0 OR s.revenue != 0) AS expected,
            countIf(v.tickets != 0 OR v.revenue != 0) AS found,
            arrayStringConcat(groupArrayIf(5)(concat(toString(sales_date), ' event ', toString(event_id), ': ',
                toString(s.tickets), ' tickets ', toString(s.revenue), ' in staging, ',
                toString(v.tickets), ' tickets ', toString(v.revenue), ' in \(object)'),
                s.tickets != v.tickets OR s.revenue != v.revenue), '; ') AS differing
        FROM (\(paidOrders(window))) AS s
        FULL OUTER JOIN
        (
            SELECT sales_date, event_id, sum(\(tickets)) AS tickets, sum(\(revenue)) AS revenue
            FROM \(object)
            GROUP BY sales_date, event_id
        ) AS v USING (sales_date, event_id)
        """
    }

    private static let dayAndEventKeys = Message(en: "day and event keys", ru: "ключей «день, мероприятие»")

    static let salesDaily = Reconciliation(
        object: "fact_sales_daily", unit: dayAndEventKeys,
        source: Message(en: "paid orders in stg_qtickets_orders", ru: "по оплаченным заказам в stg_qtickets_orders"),
        emptyMeaning: Message(
            en: "no paid order is loaded, and the fact is empty", ru: "оплаченных заказов не загружено, и факт пуст"),
        query: dayAndEvent("fact_sales_daily", window: "1", tickets: "tickets_sold", revenue: "revenue"))

    static let sales14d = Reconciliation(
        object: "v_sales_14d", unit: dayAndEventKeys,
        source: Message(
            en: "paid orders of the last 14 Moscow days in stg_qtickets_orders",
            ru: "по заказам, оплаченным за последние 14 дней по Москве, в stg_qtickets_orders"),
        emptyMeaning: Message(
            en:
                "no order was paid in the last 14 Moscow days, and the view is empty, as it should be (an off-season client)",
            ru:
                "за последние 14 дней по Москве не оплачено ни одного заказа, и представление пусто, как и должно быть (клиент не в сезоне)"
        ),
        query: dayAndEvent(
            "v_sales_14d",
            window: "toDate(assumeNotNull(paid_at), 'Europe/Moscow') >= toDate(now(), 'Europe/Moscow') - 13",
            tickets: "tickets_sold", revenue: "revenue"))

    static let salesLatest = Reconciliation(
        object: "v_sales_latest", unit: Message(en: "events", ru: "мероприятий"),
        source: Message(
            en: "events with paid orders in stg_qtickets_orders",
            ru: "по мероприятиям с оплаченными заказами в stg_qtickets_orders"),
        emptyMeaning: Message(
            en: "no paid order is loaded, and the view is empty",
            ru: "оплаченных заказов не загружено, и представление пусто"),
        query: """
            SELECT
                countIf(s.tickets != 0 OR s.revenue != 0) AS expected,
                countIf(v.tickets != 0 OR v.revenue != 0) AS found,
                arrayStringConcat(groupArrayIf(5)(concat('event ', toString(event_id), ': ', toString(s.tickets),
                    ' tickets ', toString(s.revenue), ' in staging, ', toString(v.tickets), ' tickets ',
                    toString(v.revenue), ' in v_sales_latest'), s.tickets != v.tickets OR s.revenue != v.revenue), '; ')
                    AS differing
            FROM (SELECT event_id, sum(tickets) AS tickets, sum(revenue) AS revenue FROM (\(paidOrders("1"))) GROUP BY event_id) AS s
            FULL OUTER JOIN
            (
                SELECT event_id, sum(tickets_sold) AS tickets, sum(revenue) AS revenue FROM v_sales_latest GROUP BY event_id
            ) AS v USING (event_id)
            """)

    static let inventory = Reconciliation(
        object: "v_inventory", unit: Message(en: "shows", ru: "сеансов"),
        source: Message(
            en: "shows with seat counters in stg_qtickets_inventory, not deleted",
            ru: "по неудалённым сеансам со счётчиками мест в stg_qtickets_inventory"),
        emptyMeaning: Message(
            en: "no seat counters are loaded (no show is on sale), and the view is empty",
            ru: "счётчики мест не загружены (ни один сеанс не в продаже), и представление пусто"),
        query: """
            SELECT
                length(s.shows) AS expected,
                length(v.shows) AS found,
                arrayStringConcat(arraySlice(arrayConcat(
                    arrayMap(x -> concat('show ', toString(x), ' only in staging'), arrayFilter(x -> NOT has(v.shows, x), s.shows)),
                    arrayMap(x -> concat('show ', toString(x), ' only in v_inventory'), arrayFilter(x -> NOT has(s.shows, x), v.shows))),
                    1, 5), '; ') AS differing
            FROM
            (
                SELECT groupUniqArray(show_id) AS shows FROM stg_qtickets_inventory
                WHERE show_id NOT IN (SELECT show_id FROM stg_qtickets_shows FINAL WHERE is_deleted)
            ) AS s
            CROSS JOIN (SELECT groupArray(show_id) AS shows FROM v_inventory) AS v
            """)

    static let freshness = Reconciliation(
        object: "v_freshness", unit: Message(en: "staging tables", ru: "staging-таблиц"),
        source: Message(en: "the five staging tables, counted", ru: "по пяти staging-таблицам"),
        emptyMeaning: nil,
        query: """
            SELECT
                toUInt64(5) AS expected,
                countIf(v.stored_rows = t.stored AND (t.stored = 0) = isNull(v.seconds_since_load)) AS found,
                arrayStringConcat(groupArrayIf(5)(concat(entity, ': ', toString(v.stored_rows), ' rows in v_freshness, ',
                    toString(t.stored), ' in its table, age ', ifNull(toString(v.seconds_since_load), 'NULL')),
                    NOT (v.stored_rows = t.stored AND (t.stored = 0) = isNull(v.seconds_since_load))), '; ') AS differing
            FROM v_freshness AS v
            INNER JOIN
            (
                SELECT 'orders' AS entity, count() AS stored FROM stg_qtickets_orders
                UNION ALL SELECT 'tickets' AS entity, count() AS stored FROM stg_qtickets_tickets
                UNION ALL SELECT 'events' AS entity, count() AS stored FROM stg_qtickets_events
                UNION ALL SELECT 'shows' AS entity, count() AS stored FROM stg_qtickets_shows
                UNION ALL SELECT 'inventory' AS entity, count() AS stored FROM stg_qtickets_inventory
            ) AS t USING (entity)
            """)

    static let jobRunsLatest = Reconciliation(
        object: "v_job_runs_latest", unit: Message(en: "job rows", ru: "строк задания"),
        source: Message(
            en: "the job's newest run and run counts in meta_job_runs",
            ru: "по последнему запуску задания и счётчикам запусков в meta_job_runs"),
        emptyMeaning: nil,
        query: """
            WITH
                (
                    SELECT tuple(toString(any(last_run_id)), toString(any(last_status)), isNull(any(last_finished_at)),
                                 any(ok_runs), any(error_runs))
                    FROM v_job_runs_latest WHERE job = {job:String}
                ) AS v,
                (
                    SELECT tuple(toString(argMax(run_id, started_at)), toString(argMax(status, started_at)),
                                 isNull(argMax(tuple(finished_at), started_at).1), countIf(status = 'ok'), countIf(status = 'error'))
                    FROM meta_job_runs FINAL WHERE job = {job:String}
                ) AS m
            SELECT
                toUInt64((SELECT count() FROM meta_job_runs FINAL WHERE job = {job:String}) > 0) AS expected,
                (SELECT count() FROM v_job_runs_latest WHERE job = {job:String}) AS found,
                if(v = m, '', concat('(last run, status, finished_at NULL, ok runs, error runs) ', toString(v),
                    ' in v_job_runs_latest, ', toString(m), ' in meta_job_runs')) AS differing
            """)

    /// The answer of `query` on `client`: expected, found, differing.
    func run(on client: some ClickHouseQuerying, job: String) async throws -> (
        expected: UInt64, found: UInt64, differing: String
    ) {
        let rows = try await client.rows(query, settings: ["param_job": job])
        guard rows.count == 1, rows[0].count == 3, let expected = rows[0][0].flatMap(UInt64.init),
            let found = rows[0][1].flatMap(UInt64.init)
        else {
            throw SmokeCheckFailure(description: "the \(object) reconciliation answered \(rows), not one row of three")
        }
        return (expected, found, rows[0][2] ?? "")
    }
}
