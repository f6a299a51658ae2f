import Foundation
import Healthcheck
import HostScripts
import SSH

/// What the host's env file says verify should judge it by: the loader's job name (`JOB_NAME`, the
/// loader's default `qtickets_api`) and how old its last successful run may be (the healthcheck's
/// `HEALTHCHECK_RUN_WARN_MINUTES`, default 45), so that a client whose job or thresholds differ is
/// checked by its own.
struct HostSettings: Sendable, Equatable {
    static let defaultJob = "qtickets_api"
    static let defaultMaxLagMinutes = 45

    var job = HostSettings.defaultJob
    var maxLagMinutes = HostSettings.defaultMaxLagMinutes
    /// Where the figures came from, for the report: `JOB_NAME=… (env file)` or `(default)`.
    var origin = ""

    /// The settings in verify-settings' answer (`KEY=VALUE` lines, values as written).
    init(answer: String, envFile: String) {
        var values: [String: String] = [:]
        for line in answer.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            values[String(line[..<equals])] = value
        }
        var origins: [String] = []
        if let job = values["JOB_NAME"], !job.isEmpty {
            self.job = job
            origins.append("JOB_NAME=\(job) from \(envFile)")
        } else {
            origins.append("job \(job) (the loader's default)")
        }
        let variable = HealthThresholds.Variable.runWarn.rawValue
        if let text = values[variable], let minutes = Int(text), minutes > 0 {
            maxLagMinutes = minutes
            origins.append("\(variable)=\(minutes) from \(envFile)")
        } else {
            origins.append("\(maxLagMinutes) min (the healthcheck's default \(variable))")
        }
        origin = origins.joined(separator: ", ")
    }
}

extension VerifySuite {
    /// The env file's settings, read on the host; the defaults (saying so) when it cannot be read.
    func hostSettings() async -> HostSettings {
        let read = await shell(HostScriptSource.verifySettings.commandLine([target.envFile]))
        var settings = HostSettings(answer: read.status == 0 ? read.output : "", envFile: target.envFile)
        if read.status != 0 { settings.origin += "; \(target.envFile) could not be read (exit \(read.status))" }
        return settings
    }
}
