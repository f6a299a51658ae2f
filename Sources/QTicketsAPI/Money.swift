/// An amount in kopecks (hundredths of the currency unit), exact.
///
/// QTickets sends amounts as JSON numbers, integers in practice and sometimes with kopecks
/// (`1499.5`); some clients saw numeric strings. They are rounded to the kopeck once, here, and
/// summed as integers, so totals match the warehouse's `Decimal(18, 2)` to the kopeck.
public struct Money: Sendable, Hashable, Comparable, Decodable, CustomStringConvertible {
    public let kopecks: Int64

    public init(kopecks: Int64) {
        self.kopecks = kopecks
    }

    public static let zero = Money(kopecks: 0)

    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.kopecks < rhs.kopecks }
    public static func + (lhs: Money, rhs: Money) -> Money { Money(kopecks: lhs.kopecks + rhs.kopecks) }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Double.self) {
            guard number.isFinite, abs(number) < 1e15 else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "amount out of range: \(number)")
            }
            kopecks = Int64((number * 100).rounded())
        } else if let text = try? container.decode(String.self), let number = Double(text), number.isFinite, abs(number) < 1e15 {
            kopecks = Int64((number * 100).rounded())
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an amount")
        }
    }

    /// `1499.50`: a JSON number a `Decimal(18, 2)` column reads exactly.
    public var description: String {
        let sign = kopecks < 0 ? "-" : ""
        let magnitude = kopecks.magnitude
        let cents = magnitude % 100
        return "\(sign)\(magnitude / 100).\(cents < 10 ? "0" : "")\(cents)"
    }
}
