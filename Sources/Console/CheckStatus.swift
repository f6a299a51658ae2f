/// The verdict of one check, ordered from best to worst.
public enum CheckStatus: String, Sendable, Codable, Comparable, CaseIterable {
    case ok, warn, fail

    public static func < (lhs: CheckStatus, rhs: CheckStatus) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
