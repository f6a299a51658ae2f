import TextSupport

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A point in time as QTickets renders it: ISO-8601 with an explicit offset
/// (`2025-11-03T12:30:00+03:00`), kept as Unix milliseconds.
///
/// The API renders every instant in the account's zone (`+03:00` for Moscow accounts, even for
/// Siberian venues), so the offset is always parsed and never assumed. A compact offset (`+0300`),
/// `Z` and fractional seconds are accepted as well.
public struct Instant: Sendable, Hashable, Comparable, Decodable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public let milliseconds: Int64

    public init(milliseconds: Int64) {
        self.milliseconds = milliseconds
    }

    public init(_ date: Date) {
        self.milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    public var date: Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }

    public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.milliseconds < rhs.milliseconds }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let parsed = Instant(iso8601: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "not an ISO-8601 instant with an offset: \(text)")
        }
        self = parsed
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM|±HHMM]` (a space instead of `T` too); nil when
    /// the text is anything else, including a time without an offset, which would be ambiguous.
    public init?(iso8601 text: String) {
        var utf8 = Array(text.utf8)
        if utf8.count < 20 { return nil }
        func number(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= utf8.count else { return nil }
            var value = 0
            for index in start..<(start + count) {
                let byte = utf8[index]
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard let year = number(0, 4), utf8[4] == UInt8(ascii: "-"), let month = number(5, 2),
            utf8[7] == UInt8(ascii: "-"),
            let day = number(8, 2), utf8[10] == UInt8(ascii: "T") || utf8[10] == UInt8(ascii: " "),
            let hour = number(11, 2), utf8[13] == UInt8(ascii: ":"), let minute = number(14, 2),
            utf8[16] == UInt8(ascii: ":"),
            let second = number(17, 2), (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60,
            second < 61
        else { return nil }
        var index = 19
        var millis = 0
        if index < utf8.count, utf8[index] == UInt8(ascii: ".") {
            index += 1
            var digits = 0
            while index < utf8.count, utf8[index] >= 48, utf8[index] <= 57 {
                if digits < 3 { millis = millis * 10 + Int(utf8[index] - 48) }
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<3 where digits < 3 { millis *= 10 }
        }
        guard index < utf8.count else { return nil }
        var offsetSeconds = 0
        switch utf8[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard index + 1 == utf8.count else { return nil }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let sign = utf8[index] == UInt8(ascii: "-") ? -1 : 1
            let rest = utf8.count - index - 1
            let hours: Int?
            let minutes: Int?
            if rest == 5, utf8[index + 3] == UInt8(ascii: ":") {
                hours = number(index + 1, 2)
                minutes = number(index + 4, 2)
            } else if rest == 4 {
                hours = number(index + 1, 2)
                minutes = number(index + 3, 2)
            } else {
                return nil
            }
            guard let hours, let minutes, hours < 24, minutes < 60 else { return nil }
            offsetSeconds = sign * (hours * 3600 + minutes * 60)
        default:
            return nil
        }
        utf8.removeAll()
        let days = Self.daysFromCivil(year: year, month: month, day: day)
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
        self.milliseconds = seconds * 1000 + Int64(millis)
    }

    /// The calendar fields of this instant in UTC.
    public var utcFields: (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, millisecond: Int) {
        let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
        let millis = Int(milliseconds - seconds * 1000)
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = Int(seconds - days * 86_400)
        let (year, month, day) = Self.civilFromDays(Int(days))
        return (year, month, day, secondOfDay / 3600, secondOfDay / 60 % 60, secondOfDay % 60, millis)
    }

    /// `YYYY-MM-DD hh:mm:ss.sss` in UTC: what a `DateTime64(3, 'UTC')` column reads unambiguously.
    public var utcText: String {
        let fields = utcFields
        let date = [fields.year.zeroPadded(to: 4), fields.month.zeroPadded(to: 2), fields.day.zeroPadded(to: 2)]
        let time = [fields.hour, fields.minute, fields.second].map { $0.zeroPadded(to: 2) }
        return date.joined(separator: "-") + " " + time.joined(separator: ":") + "."
            + fields.millisecond.zeroPadded(to: 3)
    }

    /// ISO-8601 with a colon in the offset, as QTickets filters want it (`+0300` is not trusted).
    public func iso8601(offsetMinutes: Int = 180) -> String {
        let shifted = Instant(milliseconds: milliseconds + Int64(offsetMinutes) * 60_000).utcText
        let sign = offsetMinutes < 0 ? "-" : "+"
        let magnitude = abs(offsetMinutes)
        let offset = sign + (magnitude / 60).zeroPadded(to: 2) + ":" + (magnitude % 60).zeroPadded(to: 2)
        return shifted.prefix(10) + "T" + shifted.dropFirst(11).prefix(8) + offset
    }

    public var description: String { iso8601(offsetMinutes: 0) }

    // Howard Hinnant's days_from_civil and civil_from_days (proleptic Gregorian calendar).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civilFromDays(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
