import ClickHouse
import Foundation
import Migrator
import Testbed
import Testing
import Verify

@Suite("checks/smoke: each file is one query answering violations and sample")
struct SmokeCheckFileTests {
    @Test("every check is exactly one SELECT with a header comment saying what it guards")
    func oneStatementEach() throws {
        let checks = try SmokeCheck.all()
        #expect(checks.count >= 6)
        for check in checks {
            let statements = try StatementSplitter.split(check.sql)
            #expect(statements.count == 1, "\(check.name) holds \(statements.count) statements")
            #expect(statements.first?.kind == .select, "\(check.name) is not a query")
            #expect(check.sql.hasPrefix("-- Guards: "), "\(check.name) starts without its header comment")
            #expect(check.sql.contains("-- Why: "), "\(check.name) does not say why it exists")
            #expect(!check.sql.contains("zakaz."), "\(check.name) names the database; checks run with database=")
        }
    }

    @Test("every check answers one row of violations UInt64 and sample String on the shipped schema")
    func columnTypes() async throws {
        try await PipelineDatabase.with(prefix: "smoke") { database in
            for check in try SmokeCheck.all() {
                let statement = try #require(try StatementSplitter.split(check.sql).first)
                let types = try await database.client.rows(
                    "SELECT toTypeName(violations), toTypeName(sample) FROM (\(statement.text))",
                    settings: SmokeCheck.parameters())
                #expect(types == [["UInt64", "String"]], "\(check.name)")
            }
        }
    }
}

@Suite("checks/smoke against the shipped schema on the testbed's ClickHouse")
struct SmokeCheckTests {
    @Test("a consistent dataset with a recent successful run passes every check with an empty sample")
    func consistentDataPasses() async throws {
        try await PipelineDatabase.with(prefix: "smoke") { database in
            try await PipelineFixture.load(into: database.client)
            for check in try SmokeCheck.all() {
                let outcome = try await check.run(on: database.client)
                #expect(
                    outcome.violations == 0 && outcome.sample.isEmpty,
                    "\(check.name): \(outcome.violations), \(outcome.sample)")
            }
        }
    }

    @Test("an empty database passes every check but freshness, which reports that no run succeeded")
    func emptyDatabase() async throws {
        try await PipelineDatabase.with(prefix: "smoke") { database in
            for check in try SmokeCheck.all() {
                let outcome = try await check.run(on: database.client)
                if check.name == "freshness" {
                    #expect(outcome.violations == 1)
                    #expect(outcome.sample == "qtickets_api: no successful run recorded")
                } else {
                    #expect(outcome.violations == 0, "\(check.name): \(outcome.sample)")
                }
            }
        }
    }

    @Test("freshness takes its limit from param_max_lag_minutes")
    func freshnessLimit() async throws {
        try await PipelineDatabase.with(prefix: "smoke") { database in
            try await database.client.execute(PipelineFixture.okRun(finishedMinutesAgo: 60))
            let check = try SmokeCheck.named("freshness")
            #expect(try await check.run(on: database.client, maxLagMinutes: 90).violations == 0)
            let late = try await check.run(on: database.client, maxLagMinutes: 45)
            #expect(late.violations == 1 && late.sample.contains("60 min ago (limit 45 min)"), "\(late.sample)")
        }
    }

    @Test(
        "a planted violation makes its check fire with the offending keys in the sample",
        arguments: PlantedViolation.all)
    func plantedViolation(_ planted: PlantedViolation) async throws {
        try await PipelineDatabase.with(prefix: "smoke") { database in
            if planted.loadsFixture { try await PipelineFixture.load(into: database.client) }
            for statement in planted.statements { try await database.client.execute(statement) }
            let outcome = try await SmokeCheck.named(planted.check).run(on: database.client)
            #expect(outcome.violations == planted.violations, "\(planted.check): \(outcome.sample)")
            for fragment in planted.sampleContains {
                #expect(outcome.sample.contains(fragment), "\(planted.check) sample: \(outcome.sample)")
            }
        }
    }
}

/// A violation written into an otherwise consistent database, and what its check must answer.
struct PlantedViolation: Sendable, CustomTestStringConvertible {
    let label: String
    let check: String
    var loadsFixture = true
    let statements: [String]
    let violations: UInt64
    let sampleContains: [String]

    var testDescription: String { label }

    static let all: [PlantedViolation] = [
        PlantedViolation(
            label: "negative revenue", check: "no_negative_amounts",
            statements: [
                order(id: 5, event: 101, tickets: 1, gross: "-100", paid: "now64(3) - INTERVAL 3 DAY"),
                ticket(id: 51, order: 5, price: "-100"),
            ],
            violations: 3,
            sampleContains: [
                "order 5: gross -100", "ticket 51 of order 5: price -100",
                "event 101 show 1001: tickets 1, revenue -100",
            ]),
        PlantedViolation(
            label: "refund larger than the payment", check: "no_negative_amounts",
            statements: [order(id: 5, event: 101, tickets: 1, gross: "100", refunded: "250")],
            violations: 1, sampleContains: ["order 5: gross 100, refunded 250"]),
        PlantedViolation(
            label: "no successful run, only a failed one", check: "freshness",
            statements: [
                "TRUNCATE TABLE meta_job_runs",
                """
                INSERT INTO meta_job_runs (run_id, job, started_at, finished_at, status, error, _version)
                VALUES (generateUUIDv4(), 'qtickets_api', now64(3) - INTERVAL 2 MINUTE, now64(3) - INTERVAL 1 MINUTE, 'error', 'HTTP 503', 2)
                """,
            ],
            violations: 1, sampleContains: ["qtickets_api: no successful run recorded"]),
        PlantedViolation(
            label: "last successful run two hours ago", check: "freshness",
            statements: ["TRUNCATE TABLE meta_job_runs", PipelineFixture.okRun(finishedMinutesAgo: 120)],
            violations: 1, sampleContains: ["120 min ago (limit 45 min)"]),
        PlantedViolation(
            label: "order totals that the baskets do not add up to", check: "fact_matches_staging",
            // Paid ten days ago, so no order of the base data shares its Moscow day (order 2 of event 102
            // is paid 24 hours ago, and an hour after it would share the day from 21:00 to 22:00 UTC).
            statements: [
                order(id: 6, event: 102, tickets: 3, gross: "900", paid: "now64(3) - INTERVAL 10 DAY"),
                ticket(id: 61, order: 6, price: "300"),
            ],
            violations: 1, sampleContains: ["event 102: tickets 3 staging vs 1 fact", "revenue 900 vs 300"]),
        PlantedViolation(
            label: "one ticket id under two orders", check: "no_duplicate_keys",
            statements: [ticket(id: 11, order: 2, price: "1000")],
            violations: 1, sampleContains: ["ticket 11 x2"]),
        PlantedViolation(
            label: "shows table re-created with a key that keeps every version", check: "no_duplicate_keys",
            statements: [
                "CREATE TABLE stg_qtickets_shows_drifted AS stg_qtickets_shows ENGINE = ReplacingMergeTree(_version) ORDER BY (show_id, _version)",
                "DROP TABLE stg_qtickets_shows",
                "RENAME TABLE stg_qtickets_shows_drifted TO stg_qtickets_shows",
                """
                INSERT INTO stg_qtickets_shows (show_id, event_id, start_at, is_active, updated_at, is_deleted, _version, _run_id)
                VALUES (1001, 101, now64(3), true, now64(3), false, 1, generateUUIDv4()),
                       (1001, 101, now64(3), true, now64(3), false, 2, generateUUIDv4())
                """,
            ],
            violations: 1, sampleContains: ["show 1001 x2"]),
        PlantedViolation(
            label: "baskets whose order was never written", check: "tickets_have_orders",
            statements: [ticket(id: 91, order: 999, price: "100"), ticket(id: 92, order: 999, price: "100")],
            violations: 2, sampleContains: ["ticket 91 -> missing order 999", "ticket 92 -> missing order 999"]),
        PlantedViolation(
            label: "orders of an event that was not loaded", check: "orders_have_events",
            statements: [
                order(id: 7, event: 555, tickets: 1, gross: "100"), ticket(id: 71, order: 7, price: "100"),
                order(id: 8, event: 555, tickets: 1, gross: "100"), ticket(id: 81, order: 8, price: "100"),
            ],
            violations: 2, sampleContains: ["event 555 (2 orders)"]),
        PlantedViolation(
            label: "paid orders whose baskets never arrived", check: "dashboard_not_empty", loadsFixture: false,
            statements: [PipelineFixture.events, PipelineFixture.orders],
            violations: 2,
            sampleContains: [
                "v_sales_latest is empty although 3 paid orders are loaded", "v_sales_14d is empty although 3 orders",
            ]),
        PlantedViolation(
            label: "events with an empty city and with the API's city object", check: "events_have_city",
            statements: [
                """
                INSERT INTO stg_qtickets_events (event_id, name, city, updated_at, is_deleted, deleted_at, _version, _run_id)
                VALUES (103, 'Opera', '', now64(3), false, NULL, 1, generateUUIDv4()),
                       (104, 'Ballet', '{''id'': 1, ''name'': ''Москва''}', now64(3), false, NULL, 1, generateUUIDv4()),
                       (105, 'Gone', '', now64(3), true, now64(3), 1, generateUUIDv4())
                """
            ],
            violations: 2, sampleContains: ["event 103 \"Opera\": city \"\"", "event 104 \"Ballet\": city \"{'id': 1"]),
        PlantedViolation(
            label: "a payment time written as Moscow wall clock, 3 hours ahead", check: "no_future_timestamps",
            statements: [order(id: 9, event: 101, tickets: 0, gross: "0", paid: "now64(3) + INTERVAL 3 HOUR")],
            violations: 1, sampleContains: ["order 9: paid_at"]),
    ]

    /// A paid order at order level; `paid` is an SQL expression for paid_at.
    static func order(
        id: Int, event: Int, tickets: Int, gross: String, refunded: String = "0",
        paid: String = "now64(3) - INTERVAL 1 HOUR"
    )
        -> String
    {
        """
        INSERT INTO stg_qtickets_orders
            (order_id, event_id, show_id, created_at, updated_at, paid_at, is_paid, state, currency, tickets_count, gross_amount,
             refunded_amount, _version, _run_id)
        VALUES (\(id), \(event), 1001, now64(3) - INTERVAL 2 HOUR, now64(3) - INTERVAL 1 HOUR, \(paid), true, 'paid', 'RUB', \(tickets),
                \(gross), \(refunded), 1, generateUUIDv4())
        """
    }

    /// One paid, unrefunded basket of one ticket.
    static func ticket(id: Int, order: Int, price: String) -> String {
        """
        INSERT INTO stg_qtickets_tickets
            (ticket_id, order_id, show_id, quantity, original_price, price, refunded_amount, is_refunded, is_deleted, created_at,
             updated_at, _version, _run_id)
        VALUES (\(id), \(order), 1001, 1, \(price), \(price), 0, false, false, now64(3) - INTERVAL 2 HOUR, now64(3) - INTERVAL 1 HOUR, 2,
                generateUUIDv4())
        """
    }
}
