/// An amount in kopecks (hundredths of the currency unit), exact.
///
/// QTickets sends amounts as JSON numbers, integers in practice and sometimes with kopecks
/// (`1499.5`); some clients saw numeric strings. `JSONReader` reads them as decimal text, rounded
/// to the kopeck once, and they are summed as integers, so totals match the warehouse's
/// `Decimal(18, 2)` to the kopeck.
public struct Money: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let kopecks: Int64

    public init(kopecks: Int64) {
        self.kopecks = kopecks
    }

    public static let zero = Money(kopecks: 0)

    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.kopecks < rhs.kopecks }
    public static func + (lhs: Money, rhs: Money) -> Money { Money(kopecks: lhs.kopecks + rhs.kopecks) }

    /// `1499.50`: a JSON number a `Decimal(18, 2)` column reads exactly.
    public var description: String {
        let sign = kopecks < 0 ? "-" : ""
        let magnitude = kopecks.magnitude
        let cents = magnitude % 100
        return "\(sign)\(magnitude / 100).\(cents < 10 ? "0" : "")\(cents)"
    }
}
