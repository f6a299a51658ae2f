import TextSupport

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The Prometheus text exposition format, version 0.0.4: what `GET /metrics` answers and what
/// `qtickets-api run --metrics-file` writes for node_exporter's textfile collector.
///
/// Every family has its `# HELP` and `# TYPE` lines; names follow Prometheus' conventions (the
/// `qtickets_` prefix, base units, `_seconds`, `_timestamp_seconds`, `_total` for counters only,
/// `_info` for an info metric); label values are escaped. A family without samples (no run yet, an
/// empty table) is left out rather than shown empty.
public enum MetricsExposition {
    /// The content type of the text format.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// `families` in the text format, one line per `# HELP`, `# TYPE` and sample, ending in a newline.
    static func render(_ families: [MetricFamily]) -> String {
        var text = ""
        for family in families where !family.samples.isEmpty {
            text += "# HELP \(family.name) \(escapeHelp(family.help))\n"
            text += "# TYPE \(family.name) \(family.kind.rawValue)\n"
            for sample in family.samples {
                text += family.name
                if !sample.labels.isEmpty {
                    text +=
                        "{"
                        + sample.labels.map { "\($0.name)=\"\(escapeLabelValue($0.value))\"" }.joined(separator: ",")
                        + "}"
                }
                text += " \(format(sample.value))\n"
            }
        }
        return text
    }

    /// A label value with `\`, `"` and line feeds escaped, as the format asks.
    static func escapeLabelValue(_ value: String) -> String {
        value.escapingScalars(["\\": "\\\\", "\"": "\\\"", "\n": "\\n"])
    }

    /// A help text with `\` and line feeds escaped.
    static func escapeHelp(_ help: String) -> String {
        help.escapingScalars(["\\": "\\\\", "\n": "\\n"])
    }

    /// Whole numbers without a fraction, others in Swift's shortest exact form (`1764000000.123`).
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    /// Seconds since 1970 with the milliseconds ClickHouse recorded.
    static func seconds(_ date: Date) -> Double {
        Double(milliseconds(date)) / 1000
    }

    /// Seconds from `start` to `end`, counted in whole milliseconds as ClickHouse stores them.
    static func seconds(from start: Date, to end: Date) -> Double {
        Double(milliseconds(end) - milliseconds(start)) / 1000
    }

    private static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }
}

/// One metric family: its name, help, type and samples.
struct MetricFamily: Sendable, Equatable {
    enum Kind: String, Sendable {
        case gauge, counter
    }

    struct Label: Sendable, Equatable {
        let name: String
        let value: String
    }

    struct Sample: Sendable, Equatable {
        let labels: [Label]
        let value: Double
    }

    let name: String
    let help: String
    let kind: Kind
    var samples: [Sample]

    init(_ name: String, _ kind: Kind, _ help: String, _ samples: [Sample]) {
        self.name = name
        self.kind = kind
        self.help = help
        self.samples = samples
    }

    /// A family of one unlabelled sample, or none when `value` is nil.
    init(_ name: String, _ kind: Kind, _ help: String, value: Double?) {
        self.init(name, kind, help, value.map { [Sample(labels: [], value: $0)] } ?? [])
    }

    /// A family with one sample per `label` value.
    init(_ name: String, _ kind: Kind, _ help: String, label: String, values: [(String, Double)]) {
        self.init(
            name, kind, help, values.map { Sample(labels: [Label(name: label, value: $0.0)], value: $0.1) })
    }
}

extension HealthReport {
    /// The report as `GET /metrics` answers it: the verdict, the newest run, the totals over every
    /// recorded run, the freshness of every staging table and the release, each figure the very one
    /// the verdict was judged on.
    public func metrics() -> String {
        MetricsExposition.render(metricFamilies)
    }

    var metricFamilies: [MetricFamily] {
        var families = [
            MetricFamily(
                "qtickets_health_status", .gauge,
                "The healthcheck's verdict, as /healthz answers it: 1 for the state it is in, 0 for the others.",
                label: "state", values: HealthStatus.allCases.map { ($0.rawValue, $0 == status ? 1 : 0) })
        ]
        families += lastRun?.runFamilies ?? []
        families.append(
            MetricFamily(
                "qtickets_last_success_timestamp_seconds", .gauge,
                "When the newest successful run finished, in seconds since 1970.",
                value: lastOkFinishedAt.map(MetricsExposition.seconds)))
        if let runsOk, let runsError {
            families.append(
                MetricFamily(
                    "qtickets_runs_total", .counter, "Finished runs recorded in meta_job_runs, by their status.",
                    label: "status", values: [("ok", Double(runsOk)), ("error", Double(runsError))]))
        }
        families += [
            MetricFamily(
                "qtickets_api_requests_total", .counter,
                "HTTP requests sent to the QTickets API by every recorded run.",
                value: apiRequestsTotal.map { Double($0) }),
            MetricFamily(
                "qtickets_api_retries_total", .counter,
                "HTTP requests to the QTickets API that repeated a failed one, over every recorded run.",
                value: retriesTotal.map { Double($0) }),
        ]
        let tables = freshness ?? []
        families += [
            MetricFamily(
                "qtickets_data_age_seconds", .gauge,
                "Seconds since the newest row of a staging table was loaded, by the ClickHouse server's clock.",
                label: "table",
                values: tables.compactMap { table in table.ageSeconds.map { (table.table, Double($0)) } }),
            MetricFamily(
                "qtickets_data_stored_rows", .gauge, "Rows stored in a staging table, every version counted.",
                label: "table", values: tables.map { ($0.table, Double($0.storedRows)) }),
        ]
        return families
    }
}

extension HealthReport.Run {
    /// The run's figures alone, as `qtickets-api run --metrics-file` writes them: the same families,
    /// names and labels as the run's part of `GET /metrics`.
    public func metrics() -> String {
        MetricsExposition.render(runFamilies)
    }

    /// The statuses `meta_job_runs` allows; each gets a sample, the run's own 1.
    static let statuses = ["running", "ok", "error"]

    var runFamilies: [MetricFamily] {
        let statuses = Self.statuses.contains(status) ? Self.statuses : Self.statuses + [status]
        return [
            MetricFamily(
                "qtickets_last_run_status", .gauge,
                "The newest run's status (running, ok, error): 1 for its status, 0 for the others.",
                label: "status", values: statuses.map { ($0, $0 == status ? 1 : 0) }),
            MetricFamily(
                "qtickets_last_run_start_timestamp_seconds", .gauge,
                "When the newest run started, in seconds since 1970.", value: MetricsExposition.seconds(startedAt)),
            MetricFamily(
                "qtickets_last_run_duration_seconds", .gauge,
                "How long the newest run took; absent while it is running.",
                value: finishedAt.map { MetricsExposition.seconds(from: startedAt, to: $0) }),
            MetricFamily(
                "qtickets_last_run_rows", .gauge, "Rows the newest run inserted, by entity.", label: "entity",
                values: (rows ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, Double($0.value)) }),
            MetricFamily(
                "qtickets_last_run_api_requests", .gauge, "HTTP requests the newest run sent to the QTickets API.",
                value: apiRequests.map { Double($0) }),
            MetricFamily(
                "qtickets_last_run_api_retries", .gauge,
                "HTTP requests of the newest run that repeated a failed one.", value: retries.map { Double($0) }),
            MetricFamily(
                "qtickets_release_info", .gauge, "The deployctl release the newest run ran (always 1).",
                label: "release", values: (releaseID ?? "").isEmpty ? [] : [(releaseID ?? "", 1)]),
        ]
    }
}
