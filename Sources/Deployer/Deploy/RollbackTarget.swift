/// The release `rollback` goes to when `--to` names none, and the one `status` shows it would:
/// the host's previous release when a deploy or rollback to it succeeded here; otherwise the newest
/// other release on the host that did. A deploy that failed after its switch and was rolled back
/// automatically leaves itself as the host's previous release, which is no release to go back to.
enum RollbackTarget {
    /// - Parameters:
    ///   - present: the releases on the host; `passed`: the releases whose deploy or rollback
    ///     succeeded here, oldest first (from the audit log).
    /// - Returns: nil when no release on the host other than `current` passed here.
    static func choose(current: String?, previous: String?, present: [String], passed: [String]) -> String? {
        let candidates = Set(present).subtracting([current].compactMap { $0 })
        if let previous, candidates.contains(previous), passed.contains(previous) { return previous }
        return passed.reversed().first(where: candidates.contains)
    }
}
