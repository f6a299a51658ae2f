extension Environment {
    /// What an environment is used for, which decides how carefully deployments to it are gated.
    public enum Role: String, Sendable, Hashable, CaseIterable {
        /// A rehearsal environment where releases are verified end to end before production.
        case staging

        /// An environment that serves real users; deploying to it requires a ``Environment/Gate``.
        case production
    }
}
