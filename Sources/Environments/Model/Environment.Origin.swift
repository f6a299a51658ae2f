extension Environment {
    /// Where an effective setting came from: a line of the environment file or of an OpenSSH client
    /// configuration file, or deployctl's own default. `env show` and `env check` print it.
    public struct Origin: Sendable, Hashable, Encodable, CustomStringConvertible {
        /// The kind of place a setting comes from.
        public enum Source: String, Sendable, Hashable, Encodable {
            /// The environment file (`environments/<name>.toml`).
            case environmentFile = "environment"
            /// An OpenSSH client configuration file (`~/.ssh/config`, `/etc/ssh/ssh_config`, an included one).
            case sshConfig = "ssh_config"
            /// Nobody set it: deployctl's default.
            case builtIn = "default"
        }

        /// The kind of place.
        public var source: Source
        /// The file, for the environment file and ssh_config files.
        public var file: String?
        /// The 1-based line in `file`, when known.
        public var line: Int?

        /// Creates an origin.
        public init(_ source: Source, file: String? = nil, line: Int? = nil) {
            self.source = source
            self.file = file
            self.line = line
        }

        /// deployctl's default.
        public static let builtIn = Origin(.builtIn)

        /// `file:line`, `file`, or `default`.
        public var description: String {
            guard let file else { return source.rawValue }
            return line.map { "\(file):\($0)" } ?? file
        }
    }
}
