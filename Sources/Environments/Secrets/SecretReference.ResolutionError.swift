extension SecretReference {
    /// Why a secret could not be read on the workstation.
    ///
    /// The message names the variable or file, never any part of a secret's value.
    public struct ResolutionError: Error, Sendable, Hashable, CustomStringConvertible {
        /// The reference that could not be resolved.
        public var reference: SecretReference

        /// What went wrong and how to fix it.
        public var message: String

        /// Creates a resolution error.
        public init(reference: SecretReference, message: String) {
            self.reference = reference
            self.message = message
        }

        /// A one-line explanation, such as `cannot read secret env:CH_ADMIN_PASSWORD: the environment variable …`.
        public var description: String {
            "cannot read secret \(reference): \(message)"
        }
    }
}
