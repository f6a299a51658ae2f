import Foundation
import NIOConcurrencyHelpers

/// The JSON body of a list call: `{"where":[…],"orderBy":{…},"page":N,"perPage":N}`.
///
/// Parsing follows what the real server does or most plausibly does (a Laravel backend):
/// a body that is missing or not a JSON object is the default query; an unknown column, an
/// unknown operator or an unreadable value is an exception, which the API's wrapper turns into
/// 503 `UNKNOWN_ERROR`; a date with a colon-less offset (`+0300`) drops that condition silently,
/// as third-party clients report; `perPage` is honoured up to 1,000 (larger values are capped:
/// the real limit is unknown).
struct ListQuery<Column: Equatable & Sendable> {
    enum Operator: String {
        case equal = "=", notEqual = "!=", less = "<", greater = ">", lessOrEqual = "<=", greaterOrEqual = ">="
        case inList = "in", notInList = "not in", isNull = "null", isNotNull = "not null"
    }

    enum ColumnKind {
        case integer, boolean, time
    }

    struct Condition: Equatable, Sendable {
        let column: Column
        let op: Operator
        let values: [Int64]

        func matches(_ value: Int64?) -> Bool {
            switch op {
            case .isNull: return value == nil
            case .isNotNull: return value != nil
            default: break
            }
            guard let value, let first = values.first else { return false }
            switch op {
            case .equal: return value == first
            case .notEqual: return value != first
            case .less: return value < first
            case .greater: return value > first
            case .lessOrEqual: return value <= first
            case .greaterOrEqual: return value >= first
            case .inList: return values.contains(value)
            case .notInList: return !values.contains(value)
            case .isNull, .isNotNull: return false
            }
        }
    }

    static var maxPerPage: Int { 1000 }

    var conditions: [Condition] = []
    var sort: [(column: Column, descending: Bool)] = []
    var page = 1
    var perPage: Int

    static func parse(body: [UInt8], columns: [String: (column: Column, kind: ColumnKind)], defaultPerPage: Int)
        throws(QueryRejection) -> ListQuery
    {
        var query = ListQuery(perPage: defaultPerPage)
        guard !body.isEmpty, let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            return query
        }
        if let page = integer(object["page"]) { query.page = min(max(1, Int(clamping: page)), Int(Int32.max)) }
        if let perPage = integer(object["perPage"]), perPage > 0 {
            query.perPage = min(maxPerPage, Int(clamping: perPage))
        }
        if let whereValue = object["where"] {
            guard let list = whereValue as? [Any] else { throw QueryRejection(reason: "where is not a list") }
            for item in list {
                guard let entry = item as? [String: Any], let name = entry["column"] as? String else {
                    throw QueryRejection(reason: "a where entry lacks its column")
                }
                guard let (column, kind) = columns[name] else { throw QueryRejection(reason: "unknown column \(name)") }
                let operatorText = (entry["operator"] as? String)?.lowercased() ?? "="
                guard let op = Operator(rawValue: operatorText) else {
                    throw QueryRejection(reason: "unknown operator \(operatorText)")
                }
                if op == .isNull || op == .isNotNull {
                    query.conditions.append(Condition(column: column, op: op, values: []))
                    continue
                }
                let raw: [Any]
                if op == .inList || op == .notInList {
                    raw = entry["value"] as? [Any] ?? [entry["value"] as Any]
                } else {
                    raw = [entry["value"] as Any]
                }
                var values: [Int64] = []
                var dropped = false
                for item in raw {
                    switch convert(item, kind: kind) {
                    case .value(let value): values.append(value)
                    case .drop: dropped = true
                    case .invalid: throw QueryRejection(reason: "unreadable value for \(name)")
                    }
                }
                if !dropped { query.conditions.append(Condition(column: column, op: op, values: values)) }
            }
        }
        if let orderBy = object["orderBy"] as? [String: Any] {
            for name in orderBy.keys.sorted() {
                guard let (column, _) = columns[name] else {
                    throw QueryRejection(reason: "unknown column \(name) in orderBy")
                }
                let direction = (orderBy[name] as? String)?.lowercased() ?? "asc"
                guard direction == "asc" || direction == "desc" else {
                    throw QueryRejection(reason: "invalid direction \(direction)")
                }
                query.sort.append((column, direction == "desc"))
            }
        }
        return query
    }

    private enum Converted {
        case value(Int64), drop, invalid
    }

    private static func convert(_ value: Any, kind: ColumnKind) -> Converted {
        switch kind {
        case .integer:
            return integer(value).map(Converted.value) ?? .invalid
        case .boolean:
            if let number = value as? NSNumber { return .value(number.int64Value == 0 ? 0 : 1) }
            if let text = value as? String {
                switch text.lowercased() {
                case "1", "true": return .value(1)
                case "0", "false", "": return .value(0)
                default: return .invalid
                }
            }
            return .invalid
        case .time:
            guard let text = value as? String else { return .invalid }
            switch Timestamp.parse(text) {
            case .instant(let seconds): return .value(seconds)
            case .compactOffset: return .drop
            case .invalid: return .invalid
            }
        }
    }

    private static func integer(_ value: Any?) -> Int64? {
        if let number = value as? NSNumber {
            let double = number.doubleValue
            guard double.rounded() == double, abs(double) < 9e18 else { return nil }
            return number.int64Value
        }
        if let text = value as? String { return Int64(text) }
        return nil
    }

    /// Filters, sorts and pages rows `0..<count`, whose ids are `firstId + row`.
    ///
    /// Conditions on `id` narrow the rows considered. In id order, a page without other
    /// conditions costs its own size; with others, the first page of a filter at a given `clock`
    /// counts the matches of every row once (kept in `cache`), and later pages cost their size.
    func select(
        count: Int, firstId: Int64, idColumn: Column, cache: MatchCountCache<Column>? = nil, clock: Int64 = 0,
        value: (Int, Column) -> Int64?
    ) -> (rows: [Int], total: Int) {
        var low = 0
        var high = count
        var others: [Condition] = []
        for condition in conditions {
            guard condition.column == idColumn, let bound = condition.values.first else {
                others.append(condition)
                continue
            }
            // Clamped: ids far outside the table must select nothing, not overflow.
            let row = Int(clamping: max(bound, Int64.min / 2) - firstId)
            let next = row < Int.max ? row + 1 : row
            switch condition.op {
            case .equal:
                low = max(low, row)
                high = min(high, next)
            case .greater: low = max(low, next)
            case .greaterOrEqual: low = max(low, row)
            case .less: high = min(high, row)
            case .lessOrEqual: high = min(high, next)
            default: others.append(condition)
            }
        }
        low = max(0, low)
        guard low < high else { return ([], 0) }
        let offset = (page - 1) * perPage
        let idOrder = sort.isEmpty || (sort.count == 1 && sort[0].column == idColumn)
        let descending = idOrder && sort.first?.descending == true
        if idOrder && others.isEmpty {
            let total = high - low
            guard offset < total else { return ([], total) }
            let size = min(perPage, total - offset)
            let rows =
                descending
                ? Array(stride(from: high - 1 - offset, to: high - 1 - offset - size, by: -1))
                : Array(low + offset..<low + offset + size)
            return (rows, total)
        }
        func matches(_ row: Int) -> Bool {
            others.allSatisfy { $0.matches(value(row, $0.column)) }
        }
        if idOrder, let cache {
            let prefix = cache.prefix(for: others, clock: clock, count: count) {
                var prefix = [Int32](repeating: 0, count: count + 1)
                var running: Int32 = 0
                for row in 0..<count {
                    if matches(row) { running += 1 }
                    prefix[row + 1] = running
                }
                return prefix
            }
            let total = Int(prefix[high] - prefix[low])
            guard offset < total else { return ([], total) }
            var selected: [Int] = []
            if descending {
                var row = Self.lastIndex(in: prefix, from: low, to: high, atMost: prefix[high] - Int32(offset) - 1)
                while row >= low && selected.count < perPage {
                    if matches(row) { selected.append(row) }
                    row -= 1
                }
            } else {
                var row =
                    Self.firstIndex(in: prefix, from: low + 1, to: high, atLeast: prefix[low] + Int32(offset) + 1) - 1
                while row < high && selected.count < perPage {
                    if matches(row) { selected.append(row) }
                    row += 1
                }
            }
            return (selected, total)
        }
        if idOrder {
            var selected: [Int] = []
            var total = 0
            let rows = descending ? stride(from: high - 1, to: low - 1, by: -1) : stride(from: low, to: high, by: 1)
            for row in rows where matches(row) {
                if total >= offset && selected.count < perPage { selected.append(row) }
                total += 1
            }
            return (selected, total)
        }
        var matching = (low..<high).filter { matches($0) }.map { row in
            (row: row, keys: sort.map { value(row, $0.column) ?? Int64.min })
        }
        matching.sort { left, right in
            for (index, key) in sort.enumerated() where left.keys[index] != right.keys[index] {
                return key.descending ? left.keys[index] > right.keys[index] : left.keys[index] < right.keys[index]
            }
            return left.row < right.row
        }
        let total = matching.count
        guard offset < total else { return ([], total) }
        return (matching[offset..<min(total, offset + perPage)].map(\.row), total)
    }

    /// The smallest index in `from...to` whose value is at least `target` (`values` ascending).
    private static func firstIndex(in values: [Int32], from: Int, to: Int, atLeast target: Int32) -> Int {
        var low = from
        var high = to
        while low < high {
            let middle = (low + high) / 2
            if values[middle] >= target { high = middle } else { low = middle + 1 }
        }
        return low
    }

    /// The largest index in `from..<to` whose value is at most `target` (`values` ascending).
    private static func lastIndex(in values: [Int32], from: Int, to: Int, atMost target: Int32) -> Int {
        var low = from
        var high = to
        while low < high {
            let middle = (low + high) / 2
            if values[middle] <= target { low = middle + 1 } else { high = middle }
        }
        return low - 1
    }
}

/// Remembers, for the last filter and clock seen, how many rows before each row match, so that
/// a loader paging through a filtered list by id pays for one scan, not one per page.
final class MatchCountCache<Column: Equatable & Sendable>: Sendable {
    private struct Entry {
        let conditions: [ListQuery<Column>.Condition]
        let clock: Int64
        let prefix: [Int32]
    }

    private let entry = NIOLockedValueBox<Entry?>(nil)

    func prefix(for conditions: [ListQuery<Column>.Condition], clock: Int64, count: Int, compute: () -> [Int32])
        -> [Int32]
    {
        if let cached = entry.withLockedValue({ $0 }), cached.conditions == conditions, cached.clock == clock,
            cached.prefix.count == count + 1
        {
            return cached.prefix
        }
        let prefix = compute()
        entry.withLockedValue { $0 = Entry(conditions: conditions, clock: clock, prefix: prefix) }
        return prefix
    }
}

/// A list query the server cannot run; the API answers it as the real wrapper does, 503 `UNKNOWN_ERROR`.
struct QueryRejection: Error {
    let reason: String
}
