/// An integer sent as a number or a numeric string.
struct FlexibleInt: Decodable {
    let value: Int64

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int64.self) {
            value = number
        } else if let text = try? container.decode(String.self), let number = Int64(text) {
            value = number
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an integer")
        }
    }
}

/// A flag sent as a bool (`payed`, `reserved`) or as 0/1 (`is_active`), as the docs and the real
/// output disagree.
struct FlexibleBool: Decodable {
    let value: Bool

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let flag = try? container.decode(Bool.self) {
            value = flag
        } else if let number = try? container.decode(Int.self) {
            value = number != 0
        } else if let text = try? container.decode(String.self), let number = Int(text) {
            value = number != 0
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a flag")
        }
    }
}
