/// A verdict in the monitoring plugins' vocabulary (Nagios, Icinga, Zabbix agents): the raw value is
/// what JSON and the text show, ``exitCode`` is what a check command exits with.
///
/// Ordered by severity, ok < warning < critical < unknown, so that the worst of several checks is
/// their maximum. Unknown ranks highest because it means the pipeline's state could not be read at
/// all: nothing vouches for it, and it must never be hidden behind another check's verdict.
public enum HealthStatus: String, Codable, Sendable, Comparable, CaseIterable {
    case ok, warning, critical, unknown

    /// 0 ok, 1 warning, 2 critical, 3 unknown.
    public var exitCode: Int32 {
        switch self {
        case .ok: 0
        case .warning: 1
        case .critical: 2
        case .unknown: 3
        }
    }

    public static func < (lhs: HealthStatus, rhs: HealthStatus) -> Bool { lhs.exitCode < rhs.exitCode }
}
