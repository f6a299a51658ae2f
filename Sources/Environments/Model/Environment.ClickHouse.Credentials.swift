extension Environment.ClickHouse {
    /// A ClickHouse account: its user name and where its password can be found.
    ///
    /// The password itself never appears in an environment file, only a ``SecretReference`` to it.
    public struct Credentials: Sendable, Hashable {
        /// The ClickHouse user name.
        public var user: String

        /// Where the password is kept.
        public var password: SecretReference

        /// Creates credentials from a user name and a reference to its password.
        public init(user: String, password: SecretReference) {
            self.user = user
            self.password = password
        }
    }
}
