/// The JSON body of a list call (`GET /orders` and friends carry their query in a GET body;
/// query-string parameters are silently ignored by the server).
public struct ListQuery: Sendable, Encodable {
    public struct Condition: Sendable, Encodable {
        public let column: String
        public let `operator`: String
        public let value: Value?

        public init(_ column: String, _ operator: String = "=", _ value: Value?) {
            self.column = column
            self.operator = `operator`
            self.value = value
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(column, forKey: .column)
            try container.encode(`operator`, forKey: .operator)
            if let value { try container.encode(value, forKey: .value) }
        }

        enum CodingKeys: String, CodingKey { case column, `operator`, value }
    }

    public enum Value: Sendable, Encodable {
        case int(Int64)
        case string(String)

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .int(let number): try container.encode(number)
            case .string(let text): try container.encode(text)
            }
        }
    }

    public var `where`: [Condition]
    public var orderBy: [String: String]
    public var page: Int
    public var perPage: Int

    public init(
        where conditions: [Condition] = [], orderBy: [String: String] = ["id": "asc"], page: Int = 1, perPage: Int
    ) {
        self.where = conditions
        self.orderBy = orderBy
        self.page = page
        self.perPage = perPage
    }
}

/// One page of a list answer: `{"data": [...], "paging": {"perPage", "currentPage", "total"}}`.
public struct Page<Item: Sendable>: Sendable {
    public let data: [Item]
    public let paging: Paging

    public struct Paging: Sendable, Decodable {
        public let perPage: Int
        public let currentPage: Int
        public let total: Int
    }

    init(data: [Item], paging: Paging) {
        self.data = data
        self.paging = paging
    }
}

extension Page: Decodable where Item: Decodable {}
