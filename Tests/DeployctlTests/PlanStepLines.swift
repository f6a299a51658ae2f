import Foundation

/// A plan's step objects in `--json` output read back as the text plan's lines
/// (`install-unit museshow qtickets_api.service`), as the README maps them: the `step`, then the
/// `host`, the `unit` or `release`, or the migration (`version`, four digits, `_`, `slug`).
enum PlanStepLines {
    /// The lines of `value`, an array of step objects; nil when it is not one.
    static func of(_ value: Any?) -> [String]? {
        guard let objects = value as? [[String: Any]] else { return nil }
        return objects.map { object in
            let migration = (object["version"] as? Int).map {
                String(format: "%04d_", $0) + ((object["slug"] as? String) ?? "")
            }
            return
                ([object["step"], object["host"], object["unit"], object["release"], migration].compactMap {
                    $0 as? String
                }).joined(separator: " ")
        }
    }
}
