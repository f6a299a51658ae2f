extension EnvironmentError {
    /// The kind of a problem, stable across wording changes so that callers can branch on it.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// The file is not valid TOML.
        case syntax

        /// A required key is absent.
        case missingKey

        /// A key's value has the wrong TOML type.
        case wrongType

        /// A key is not part of the environment format, usually a typo.
        case unknownKey

        /// A value has the right type but is out of range or badly formed.
        case invalidValue

        /// A secret was written as a literal value instead of a reference.
        case literalSecret

        /// Two settings contradict each other, or a value duplicates another one.
        case conflict

        /// The file or directory could not be read.
        case unreadable

        /// No environment of that name exists.
        case notFound
    }
}
