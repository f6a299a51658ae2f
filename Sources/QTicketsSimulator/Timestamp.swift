/// Instants are Unix seconds (`Int64`) inside the simulator; these helpers render and parse the
/// ISO-8601 forms the API uses without Foundation's formatters, which are far too slow per field.
enum Timestamp {
    /// Moscow's offset from UTC (no daylight saving since 2014): the API's rendering offset and
    /// the timezone of the sales dates in the ground truth.
    static let moscowOffset: Int64 = 3 * 3600

    /// Days since 1970-01-01 → (year, month, day); Howard Hinnant's `civil_from_days`.
    static func civil(days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthPrime = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthPrime + 2) / 5 + 1
        let month = monthPrime < 10 ? monthPrime + 3 : monthPrime - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// (year, month, day) → days since 1970-01-01; Howard Hinnant's `days_from_civil`.
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The calendar date (`YYYY-MM-DD`) of an instant in Moscow time.
    static func moscowDate(_ seconds: Int64) -> String {
        let local = seconds + moscowOffset
        let days = local >= 0 ? local / 86400 : (local - 86399) / 86400
        let (year, month, day) = civil(days: days)
        return "\(year)-\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day)"
    }

    /// The result of parsing a date filter value.
    enum Parsed: Equatable {
        case instant(Int64)
        /// A value with a colon-less offset (`+0300`): accepted but the condition is dropped,
        /// as third-party clients report some QTickets environments do.
        case compactOffset
        case invalid
    }

    /// Parses `YYYY-MM-DD[(T| )HH:MM[:SS[.fraction]]][Z|±HH:MM]`; a value without an offset is
    /// read in Moscow time, the server's timezone.
    static func parse(_ text: String) -> Parsed {
        let bytes = Array(text.utf8)
        var index = 0
        func number(_ width: Int) -> Int64? {
            guard index + width <= bytes.count else { return nil }
            var value: Int64 = 0
            for byte in bytes[index..<index + width] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
            }
            index += width
            return value
        }
        func expect(_ character: Character) -> Bool {
            guard index < bytes.count, bytes[index] == character.asciiValue else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2),
            (1...12).contains(month), (1...31).contains(day)
        else { return .invalid }
        var seconds: Int64 = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: "T") || bytes[index] == UInt8(ascii: " ") {
            index += 1
            guard let hour = number(2), expect(":"), let minute = number(2), hour < 24, minute < 60 else {
                return .invalid
            }
            seconds = hour * 3600 + minute * 60
            if expect(":") {
                guard let second = number(2), second < 60 else { return .invalid }
                seconds += second
                if expect(".") {
                    while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                        index += 1
                    }
                }
            }
        }
        let local = days(year: year, month: month, day: day) * 86400 + seconds
        if index == bytes.count { return .instant(local - moscowOffset) }
        if expect("Z") { return index == bytes.count ? .instant(local) : .invalid }
        guard index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") else {
            return .invalid
        }
        let sign: Int64 = bytes[index] == UInt8(ascii: "+") ? 1 : -1
        index += 1
        guard let offsetHours = number(2) else { return .invalid }
        if index < bytes.count, bytes[index] != UInt8(ascii: ":") {
            guard number(2) != nil, index == bytes.count else { return .invalid }
            return .compactOffset
        }
        guard expect(":"), let offsetMinutes = number(2), index == bytes.count else { return .invalid }
        return .instant(local - sign * (offsetHours * 3600 + offsetMinutes * 60))
    }
}
