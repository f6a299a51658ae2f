/// One sentence of the E2E report in both of its languages: a check's title, what it wanted, what it
/// found, what to do, a reason of the verdict. Every sentence a person reads in the report is one,
/// so the Russian report and the English one come from the same place. Values a sentence names
/// (counts, table and unit names, commands, a server's own error text) are interpolated into both
/// languages as they are.
public struct Message: Sendable, Hashable {
    public let english: String
    public let russian: String

    public init(en english: String, ru russian: String) {
        self.english = english
        self.russian = russian
    }

    /// Text that reads the same in both languages because it is a value, not a sentence: a version,
    /// `Result=…` as systemd says it, the error a server answered.
    public static func verbatim(_ text: String) -> Message {
        Message(en: text, ru: text)
    }

    /// The text in `language`.
    public func text(_ language: ReportLanguage) -> String {
        language == .russian ? russian : english
    }

    /// `messages` one after another, each language with `separator` between them.
    public static func joined(_ messages: [Message], separator: String) -> Message {
        Message(
            en: messages.map(\.english).joined(separator: separator),
            ru: messages.map(\.russian).joined(separator: separator))
    }

    /// Both texts with `transform` applied (redaction).
    public func map(_ transform: (String) -> String) -> Message {
        Message(en: transform(english), ru: transform(russian))
    }
}

/// The language of the Markdown report.
public enum ReportLanguage: String, Sendable, CaseIterable {
    case russian = "ru", english = "en"
}
