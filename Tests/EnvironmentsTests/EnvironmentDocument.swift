import Environments

/// Environment files for tests, built from a minimal valid document whose line numbers are fixed,
/// so that expected messages can name exact lines.
struct EnvironmentDocument: Sendable, CustomStringConvertible {
    /// The smallest valid staging environment; the comments give each line's number.
    static let minimal = EnvironmentDocument(lines: [
        #"role = "staging""#,  // 1
        "",  // 2
        "[ssh]",  // 3
        #"user = "etl""#,  // 4
        "",  // 5
        "[[hosts]]",  // 6
        #"name = "museshow""#,  // 7
        #"address = "203.0.113.10""#,  // 8
        "",  // 9
        "[app]",  // 10
        #"root = "/opt/zakaz_dashboard""#,  // 11
        #"user = "etl""#,  // 12
        #"env_file = "/opt/zakaz_dashboard/secrets/.env.qtickets_api""#,  // 13
        "",  // 14
        "[clickhouse]",  // 15
        #"runs_as = "systemd""#,  // 16
        #"unit = "clickhouse-server.service""#,  // 17
        "",  // 18
        "[clickhouse.admin]",  // 19
        #"user = "admin""#,  // 20
        #"password = { env = "CH_ADMIN_PASSWORD" }"#,  // 21
        "",  // 22
        "[clickhouse.writer]",  // 23
        #"user = "etl_writer""#,  // 24
        #"password = { env = "CH_WRITER_PASSWORD" }"#,  // 25
    ])

    /// The path messages are expected to show.
    static let sourcePath = "environments/museshow.toml"

    /// A loader that doesn't depend on the machine running the tests (nor on its ssh_config).
    static let loader = {
        var loader = EnvironmentLoader(homeDirectory: "/home/tester", workingDirectory: "/srv/project")
        loader.systemSSHConfig = nil
        return loader
    }()

    var lines: [String]

    var description: String { lines.joined(separator: "\n") + "\n" }

    /// The document with the 1-based line `number` replaced by `replacement`, which may span several lines.
    func replacing(line number: Int, with replacement: String) -> EnvironmentDocument {
        var copy = lines
        copy.replaceSubrange(
            (number - 1)...(number - 1),
            with: replacement.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
        return EnvironmentDocument(lines: copy)
    }

    /// The document with `text` inserted after the 1-based line `number`, so that it starts on line `number + 1`.
    func inserting(_ text: String, after number: Int) -> EnvironmentDocument {
        var copy = lines
        copy.insert(
            contentsOf: text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init), at: number)
        return EnvironmentDocument(lines: copy)
    }

    /// The document without the 1-based line `number`.
    func removing(line number: Int) -> EnvironmentDocument {
        var copy = lines
        copy.remove(at: number - 1)
        return EnvironmentDocument(lines: copy)
    }

    /// The document with `text` added at the end.
    func appending(_ text: String) -> EnvironmentDocument {
        EnvironmentDocument(
            lines: lines + text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
    }

    /// Parses the document as the environment `name` with ``loader``.
    func parse(name: String = "museshow", sourcePath: String = Self.sourcePath) throws(EnvironmentError) -> Environment
    {
        try Self.loader.parse(description, name: name, sourcePath: sourcePath)
    }

    /// The error parsing the document throws, or `nil` when it parses.
    func parseError(name: String = "museshow") -> EnvironmentError? {
        do {
            _ = try parse(name: name)
            return nil
        } catch {
            return error
        }
    }
}
