/// Finds the known key a mistyped one was probably meant to be.
enum KeySuggestion {
    /// The candidate closest to `key`, or `nil` when none is close enough to be a likely typo.
    ///
    /// Keys that differ only in case, underscores or hyphens (`identityFile`, `identity-file`)
    /// always match; otherwise the edit distance may be at most a third of the key's length, and
    /// at least 2.
    static func nearest(to key: String, among candidates: [String]) -> String? {
        let normalizedKey = normalized(key)
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let distance =
                normalized(candidate) == normalizedKey
                ? 0 : editDistance(Array(key.lowercased()), Array(candidate.lowercased()))
            if distance < best?.distance ?? Int.max {
                best = (candidate, distance)
            }
        }
        guard let best, best.distance <= max(2, key.count / 3) else {
            return nil
        }
        return best.candidate
    }

    private static func normalized(_ key: String) -> String {
        String(key.lowercased().filter { $0 != "_" && $0 != "-" })
    }

    /// The Levenshtein distance, computed one row at a time.
    private static func editDistance(_ source: [Character], _ target: [Character]) -> Int {
        guard !source.isEmpty else { return target.count }
        guard !target.isEmpty else { return source.count }
        var previous = Array(0...target.count)
        for (sourceIndex, sourceCharacter) in source.enumerated() {
            var current = [sourceIndex + 1] + Array(repeating: 0, count: target.count)
            for (targetIndex, targetCharacter) in target.enumerated() {
                let substitution = previous[targetIndex] + (sourceCharacter == targetCharacter ? 0 : 1)
                current[targetIndex + 1] = min(substitution, previous[targetIndex + 1] + 1, current[targetIndex] + 1)
            }
            previous = current
        }
        return previous[target.count]
    }
}
