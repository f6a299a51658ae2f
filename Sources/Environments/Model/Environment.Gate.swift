extension Environment {
    /// The condition a release must meet before it may be deployed to an environment.
    ///
    /// A production environment names the staging environment where the same release must have
    /// passed its end-to-end report, recently enough to still be trusted.
    public struct Gate: Sendable, Hashable {
        /// The name of the environment whose E2E report must have passed for the same release.
        public var requirePassedOn: String

        /// How old that report may be.
        public var maxReportAge: Duration

        /// How long the release must have run on that environment before it may come here (`min_soak_minutes`).
        public var minSoak: Duration

        /// Public keys (OpenSSH lines) whose signed verification records the gate accepts
        /// (`trusted_verifiers`); empty: the environment's `[app] trusted_release_keys`.
        public var trustedVerifiers: [String]

        /// Creates a gate.
        public init(
            requirePassedOn: String, maxReportAge: Duration = .seconds(72 * 3600), minSoak: Duration = .zero,
            trustedVerifiers: [String] = []
        ) {
            self.requirePassedOn = requirePassedOn
            self.maxReportAge = maxReportAge
            self.minSoak = minSoak
            self.trustedVerifiers = trustedVerifiers
        }
    }
}
