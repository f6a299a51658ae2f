import TextSupport

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// How old the pipeline's last successful run and its newest data may get before the healthcheck
/// warns or turns critical, and when an unfinished run counts as stuck.
///
/// The defaults suit the 15-minute timer: one missed run is normal (the API or ClickHouse had a bad
/// minute), three in a row (45 minutes) is worth a warning, two hours without a successful run is
/// critical. Data age is judged more loosely than run age, because sales stop at night: a healthy
/// loader then finishes every run and loads nothing new. A loader that runs but stops writing is
/// still caught within hours, while a stopped loader is caught by the run age within 45 minutes.
public struct HealthThresholds: Sendable, Equatable {
    /// Age of the last successful run (its end) at which the verdict becomes warning.
    public var runWarnAfter: Duration
    /// Age of the last successful run at which the verdict becomes critical.
    public var runCriticalAfter: Duration
    /// Age of the newest loaded orders row (`v_freshness`) at which the verdict becomes warning.
    public var dataWarnAfter: Duration
    /// Age of the newest loaded orders row at which the verdict becomes critical.
    public var dataCriticalAfter: Duration
    /// Age at which a run still marked `running` is taken for crashed; longer than the unit's
    /// `TimeoutStartSec=20min`, after which systemd has killed it for sure.
    public var runStuckAfter: Duration

    /// The environment variables ``init(environment:)`` reads, each a whole number of minutes; 0
    /// judges every age at least that old, which `deployctl verify` uses to see the check turn on
    /// the host's real data.
    public enum Variable: String, CaseIterable, Sendable {
        case runWarn = "HEALTHCHECK_RUN_WARN_MINUTES"
        case runCritical = "HEALTHCHECK_RUN_CRITICAL_MINUTES"
        case dataWarn = "HEALTHCHECK_DATA_WARN_MINUTES"
        case dataCritical = "HEALTHCHECK_DATA_CRITICAL_MINUTES"
        case runStuck = "HEALTHCHECK_RUN_STUCK_MINUTES"
    }

    public init(
        runWarnAfter: Duration = .seconds(45 * 60), runCriticalAfter: Duration = .seconds(2 * 3600),
        dataWarnAfter: Duration = .seconds(6 * 3600), dataCriticalAfter: Duration = .seconds(24 * 3600),
        runStuckAfter: Duration = .seconds(30 * 60)
    ) {
        self.runWarnAfter = runWarnAfter
        self.runCriticalAfter = runCriticalAfter
        self.dataWarnAfter = dataWarnAfter
        self.dataCriticalAfter = dataCriticalAfter
        self.runStuckAfter = runStuckAfter
    }

    /// The defaults, with every variable of ``Variable`` that is set (and not empty) replacing its
    /// threshold.
    ///
    /// - Throws: `HealthThresholdsError` naming the variable whose value is not a whole number of
    ///   minutes above zero, or the pair whose warning threshold is not below its critical one.
    public init(environment: [String: String]) throws(HealthThresholdsError) {
        self.init()
        func minutes(_ variable: Variable, default value: Duration) throws(HealthThresholdsError) -> Duration {
            guard let text = environment[variable.rawValue]?.trimmingWhitespace(), !text.isEmpty else {
                return value
            }
            guard let minutes = Int(text), minutes >= 0, minutes <= 525_600 else {
                throw HealthThresholdsError(
                    variable: variable.rawValue,
                    message:
                        "\(variable.rawValue)=\(text) is not a number of minutes between 0 and 525600 (a year); write e.g. \(variable.rawValue)=45"
                )
            }
            return .seconds(minutes * 60)
        }
        runWarnAfter = try minutes(.runWarn, default: runWarnAfter)
        runCriticalAfter = try minutes(.runCritical, default: runCriticalAfter)
        dataWarnAfter = try minutes(.dataWarn, default: dataWarnAfter)
        dataCriticalAfter = try minutes(.dataCritical, default: dataCriticalAfter)
        runStuckAfter = try minutes(.runStuck, default: runStuckAfter)
        if runWarnAfter >= runCriticalAfter {
            throw HealthThresholdsError(
                variable: Variable.runWarn.rawValue,
                message:
                    "\(Variable.runWarn.rawValue) (\(runWarnAfter.minutes) min) must be below \(Variable.runCritical.rawValue) (\(runCriticalAfter.minutes) min)"
            )
        }
        if dataWarnAfter >= dataCriticalAfter {
            throw HealthThresholdsError(
                variable: Variable.dataWarn.rawValue,
                message:
                    "\(Variable.dataWarn.rawValue) (\(dataWarnAfter.minutes) min) must be below \(Variable.dataCritical.rawValue) (\(dataCriticalAfter.minutes) min)"
            )
        }
    }
}

/// A healthcheck threshold variable that cannot be used; `message` names it and says what to write.
public struct HealthThresholdsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The environment variable at fault.
    public let variable: String
    /// What is wrong and how to fix it.
    public let message: String

    public var description: String { message }
}

extension Duration {
    /// Whole seconds, rounded down.
    var wholeSeconds: Int64 { components.seconds }
    var minutes: Int64 { components.seconds / 60 }
}
