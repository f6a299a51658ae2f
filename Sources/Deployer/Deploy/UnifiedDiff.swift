/// A unified diff of two texts, line by line, with three lines of context: what a plan shows for a
/// unit that changes. Unit files are short, so a longest-common-subsequence table is enough.
enum UnifiedDiff {
    static func of(_ old: String, _ new: String, from oldName: String, to newName: String, context: Int = 3) -> String {
        let a = old.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let b = new.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var lengths = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                lengths[i][j] = a[i] == b[j] ? lengths[i + 1][j + 1] + 1 : max(lengths[i + 1][j], lengths[i][j + 1])
            }
        }
        enum Edit { case same(String), removed(String), added(String) }
        var edits: [Edit] = []
        var (i, j) = (0, 0)
        while i < a.count || j < b.count {
            if i < a.count, j < b.count, a[i] == b[j] {
                edits.append(.same(a[i]))
                i += 1
                j += 1
            } else if j < b.count, i == a.count || lengths[i][j + 1] >= lengths[i + 1][j] {
                edits.append(.added(b[j]))
                j += 1
            } else {
                edits.append(.removed(a[i]))
                i += 1
            }
        }
        let changed = edits.indices.filter { if case .same = edits[$0] { false } else { true } }
        guard !changed.isEmpty else { return "" }
        var lines = ["--- \(oldName)", "+++ \(newName)"]
        var shown = Set<Int>()
        for index in changed {
            for k in max(0, index - context)...min(edits.count - 1, index + context) { shown.insert(k) }
        }
        var previous: Int?
        for index in shown.sorted() {
            if let previous, index != previous + 1 { lines.append("@@") }
            if previous == nil { lines.append("@@") }
            switch edits[index] {
            case .same(let line): lines.append(" " + line)
            case .removed(let line): lines.append("-" + line)
            case .added(let line): lines.append("+" + line)
            }
            previous = index
        }
        return lines.joined(separator: "\n")
    }
}
