extension Environment {
    /// What deployctl read of the OpenSSH client configuration for an environment.
    public struct SSHConfigUse: Sendable, Hashable {
        /// A keyword that applied to a host or jump host but that deployctl does not use.
        public struct IgnoredKeyword: Sendable, Hashable, Encodable {
            /// The keyword as written.
            public var keyword: String
            /// Its first line that applied.
            public var origin: Origin

            /// Creates an ignored keyword.
            public init(keyword: String, origin: Origin) {
                self.keyword = keyword
                self.origin = origin
            }
        }

        /// The files read, included ones too, in the order they were read.
        public var files: [String]
        /// Each ignored keyword once, in the order they were met.
        public var ignored: [IgnoredKeyword]

        /// Creates a description of what was read.
        public init(files: [String], ignored: [IgnoredKeyword]) {
            self.files = files
            self.ignored = ignored
        }
    }
}
