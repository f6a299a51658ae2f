import TextSupport

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension HealthReport {
    /// The report for a terminal or a log: a headline with the verdict and exit code, then one
    /// aligned line per check with its thresholds. Plain text without colour codes; `--json` is the
    /// machine form.
    public func render() -> String {
        let time = Self.timestamp(checkedAt)
        var lines = [
            "\(job): \(status.rawValue.uppercased()) (exit \(status.exitCode)), checked \(time) by the ClickHouse server's clock"
        ]
        let nameWidth = checks.map(\.name.count).max() ?? 0
        let statusWidth = checks.map(\.status.rawValue.count).max() ?? 0
        for check in checks {
            var line =
                "  " + check.name.padded(to: nameWidth) + "  "
                + check.status.rawValue.padded(to: statusWidth) + "  "
                + check.message
            if let warn = check.warnAfterSeconds, let critical = check.criticalAfterSeconds {
                line += " (warning after \(AgeText(warn)), critical after \(AgeText(critical)))"
            } else if let warn = check.warnAfterSeconds {
                line += " (warning after \(AgeText(warn)))"
            }
            lines.append(line)
        }
        if let skew = clockSkewSeconds, abs(skew) >= 60 {
            lines.append(
                "  note: this machine's clock is \(AgeText(abs(skew))) \(skew > 0 ? "ahead of" : "behind") the server's; ages above use the server's"
            )
        }
        return lines.joined(separator: "\n")
    }
}
