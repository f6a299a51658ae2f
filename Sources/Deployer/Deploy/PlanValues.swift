import Console

/// A name refused where it entered the plan (the release's manifest, a host's listing, the
/// environment, the command line): it would not be one safe word on the host.
public struct InvalidPlanValue: Error, Sendable, CustomStringConvertible {
    /// What the value is and what it should be.
    public let description: String

    /// The refusal as a command's failure, `context` saying where the value came from.
    func failure(_ verdict: Verdict = .checkFailed, _ detail: String, _ context: String) -> CommandFailure {
        CommandFailure(verdict, detail, "\(context): \(description)")
    }
}

/// A value checked once by its initializer and carried as `value`; encodes as that string.
public protocol CheckedName: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The checked text.
    var value: String { get }
    /// Checks `text`; throws what makes it unsafe.
    init(_ text: String) throws(InvalidPlanValue)
}

extension CheckedName {
    public var description: String { value }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.value < rhs.value }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}

/// A systemd unit as a release ships it: the characters systemd allows in a unit name
/// (`A-Z a-z 0-9 : _ . \ @ -`), not starting with `-` or `.`, at most 255 characters, ending in a
/// unit type (`.service`, `.timer`, …). It is one word to a shell and one file in the units folder.
public struct UnitName: CheckedName {
    /// The unit's file name.
    public let value: String

    /// The suffixes systemd knows.
    static let types = [
        "service", "socket", "device", "mount", "automount", "swap", "target", "path", "timer", "slice", "scope",
    ]

    public init(_ text: String) throws(InvalidPlanValue) {
        guard text.count <= 255, text.wholeMatch(of: /[A-Za-z0-9:_@\\][A-Za-z0-9:_.@\\-]*\.[a-z]+/) != nil,
            let suffix = text.split(separator: ".").last, Self.types.contains(String(suffix))
        else {
            throw InvalidPlanValue(
                description:
                    "'\(text)' is not a systemd unit name (letters, digits and : _ . \\ @ -, not starting with - or ., ending in .service, .timer or another unit type)"
            )
        }
        value = text
    }
}

/// A release fingerprint: 16 lowercase hex digits (`ReleaseManifest.fingerprint`), the name of its
/// folder under `releases/` on a host.
public struct ReleaseID: CheckedName {
    /// The 16 digits.
    public let value: String

    public init(_ text: String) throws(InvalidPlanValue) {
        guard text.wholeMatch(of: /[0-9a-f]{16}/) != nil else {
            throw InvalidPlanValue(description: "'\(text)' is not a release id (16 lowercase hex digits)")
        }
        value = text
    }

    /// The start of a release id, as `--to` takes it: 1 to 16 lowercase hex digits.
    public struct Prefix: Sendable, Hashable, CustomStringConvertible {
        /// The digits.
        public let value: String

        /// Checks `text`: 1 to 16 lowercase hex digits.
        public init(_ text: String) throws(InvalidPlanValue) {
            guard text.wholeMatch(of: /[0-9a-f]{1,16}/) != nil else {
                throw InvalidPlanValue(
                    description: "'\(text)' is not a release id or the start of one (1 to 16 lowercase hex digits)")
            }
            value = text
        }

        /// The whole of `id`.
        public init(_ id: ReleaseID) { value = id.value }

        public var description: String { value }

        /// Whether `id` starts with this prefix.
        public func matches(_ id: ReleaseID) -> Bool { id.value.hasPrefix(value) }
    }
}

/// A host's short name within its environment, as the environment file allows it: lowercase
/// letters, digits and hyphens, starting with a letter or digit.
public struct HostName: CheckedName {
    /// The name.
    public let value: String

    public init(_ text: String) throws(InvalidPlanValue) {
        guard text.wholeMatch(of: /[a-z0-9][a-z0-9-]*/) != nil else {
            throw InvalidPlanValue(
                description:
                    "'\(text)' is not a host name (lowercase letters, digits and hyphens, starting with a letter or digit)"
            )
        }
        value = text
    }
}
