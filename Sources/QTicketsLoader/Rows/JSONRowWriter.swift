import NIOCore
import QTicketsAPI

/// Writes `JSONEachRow` lines straight into a buffer: the loader's hot path, so no intermediate
/// dictionaries or encoders. Columns are written in the order the table's column list names them.
struct JSONRowWriter {
    private(set) var buffer: ByteBuffer
    private(set) var rows = 0
    private var first = true
    private static let hexDigits = Array("0123456789abcdef".utf8)

    init(capacity: Int = 1 << 16) {
        buffer = ByteBufferAllocator().buffer(capacity: capacity)
    }

    mutating func beginRow() {
        buffer.writeInteger(UInt8(ascii: "{"))
        first = true
    }

    mutating func endRow() {
        buffer.writeStaticString("}\n")
        rows += 1
    }

    private mutating func key(_ name: StaticString) {
        if !first { buffer.writeInteger(UInt8(ascii: ",")) }
        first = false
        buffer.writeInteger(UInt8(ascii: "\""))
        buffer.writeStaticString(name)
        buffer.writeStaticString("\":")
    }

    mutating func int(_ name: StaticString, _ value: Int64) {
        key(name)
        writeDigits(value)
    }

    /// Decimal digits without an intermediate String.
    private mutating func writeDigits(_ value: Int64) {
        if value < 0 { buffer.writeInteger(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = 20
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            buffer.writeBytes(UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }

    /// `value` as exactly `width` digits (zero-padded; `value` fits).
    private mutating func writePadded(_ value: Int, width: Int) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            buffer.writeInteger(UInt8(ascii: "0") + UInt8(rest / divisor % 10))
            rest %= divisor
            divisor /= 10
        }
    }

    mutating func bool(_ name: StaticString, _ value: Bool) {
        key(name)
        buffer.writeStaticString(value ? "true" : "false")
    }

    mutating func money(_ name: StaticString, _ value: Money) {
        key(name)
        buffer.writeString(value.description)
    }

    mutating func instant(_ name: StaticString, _ value: Instant?) {
        key(name)
        guard let value else {
            buffer.writeStaticString("null")
            return
        }
        let fields = value.utcFields
        buffer.writeInteger(UInt8(ascii: "\""))
        writePadded(fields.year, width: 4)
        buffer.writeInteger(UInt8(ascii: "-"))
        writePadded(fields.month, width: 2)
        buffer.writeInteger(UInt8(ascii: "-"))
        writePadded(fields.day, width: 2)
        buffer.writeInteger(UInt8(ascii: " "))
        writePadded(fields.hour, width: 2)
        buffer.writeInteger(UInt8(ascii: ":"))
        writePadded(fields.minute, width: 2)
        buffer.writeInteger(UInt8(ascii: ":"))
        writePadded(fields.second, width: 2)
        buffer.writeInteger(UInt8(ascii: "."))
        writePadded(fields.millisecond, width: 3)
        buffer.writeInteger(UInt8(ascii: "\""))
    }

    mutating func optionalInt(_ name: StaticString, _ value: Int64?) {
        guard let value else {
            key(name)
            buffer.writeStaticString("null")
            return
        }
        int(name, value)
    }

    mutating func string(_ name: StaticString, _ value: String) {
        key(name)
        buffer.writeInteger(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): buffer.writeStaticString("\\\"")
            case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
            case UInt8(ascii: "\n"): buffer.writeStaticString("\\n")
            case UInt8(ascii: "\r"): buffer.writeStaticString("\\r")
            case UInt8(ascii: "\t"): buffer.writeStaticString("\\t")
            case 0..<0x20:
                buffer.writeStaticString("\\u00")
                buffer.writeInteger(Self.hexDigits[Int(byte >> 4)])
                buffer.writeInteger(Self.hexDigits[Int(byte & 0xF)])
            default: buffer.writeInteger(byte)
            }
        }
        buffer.writeInteger(UInt8(ascii: "\""))
    }
}
