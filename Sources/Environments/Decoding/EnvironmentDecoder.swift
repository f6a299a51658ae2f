import TOMLKit

/// Turns the text of one environment file into an ``Environment``, or into every problem it has.
///
/// TOMLKit checks the syntax; the decoder checks everything else (required keys, types, ranges,
/// formats, unknown keys and rules that span several keys) and places each problem at the line of
/// the key it concerns with a ``TOMLSourceLocator``.
struct EnvironmentDecoder {
    /// The environment's name, taken from the file name; a gate may not require it.
    let name: String

    /// The file's path as the user gave it, used in every message.
    let sourcePath: String

    /// Resolves workstation paths against the home directory and the file's directory.
    let paths: PathResolver

    /// The names of the environments beside this one, to check that a gate names a real one; `nil` skips that check.
    let knownEnvironments: Set<String>?

    /// The directory relative ssh_config paths are relative to (the current one, as for ssh).
    let workingDirectory: String

    /// The user's ssh_config, read unless `[ssh] config` says otherwise.
    let userSSHConfig: String?

    /// The system's ssh_config, read after the user's when `[ssh] config` is not a file name.
    let systemSSHConfig: String?

    /// Decodes `text`.
    ///
    /// - Throws: ``EnvironmentError`` with a syntax problem, or with every other problem found.
    func decode(_ text: String) throws(EnvironmentError) -> Environment {
        let document = try parseDocument(text)
        let diagnostics = DiagnosticCollector(file: sourcePath, locator: TOMLSourceLocator(text: text))
        let root = TableReader(table: document, path: .root, diagnostics: diagnostics)

        let description = root.string("description", expected: "a string")
        let role = root.choice("role", required: true, as: Environment.Role.self)
        let (hosts, sshConfig) = decodeHosts(in: root)
        let app = decodeApp(in: root, hosts: hosts)
        let clickhouse = decodeClickHouse(in: root, hosts: hosts)
        let systemd = decodeSystemd(in: root)
        let gate = decodeGate(in: root, role: role)
        let deploy = decodeDeploy(in: root)
        let notify = decodeNotify(in: root)
        root.reportUnknownKeys()

        guard diagnostics.isEmpty, let role, let hosts, let app, let clickhouse else {
            throw diagnostics.error
        }
        return Environment(
            name: name,
            sourcePath: sourcePath,
            description: description,
            role: role,
            hosts: hosts,
            app: app,
            clickhouse: clickhouse,
            systemd: systemd,
            gate: gate,
            deploy: deploy,
            notify: notify,
            sshConfig: sshConfig
        )
    }

    /// Reads a path on the workstation and resolves it to an absolute one.
    func localPath(_ key: String, in table: TableReader) -> String? {
        table.string(
            key,
            expected: "a path on the workstation: absolute, relative to this file, or starting with ~/",
            isValid: { paths.resolve($0) != nil }
        )
        .flatMap(paths.resolve)
    }

    /// toml++ starts its messages with a capital, which reads oddly after "invalid TOML: ".
    private static func lowercasingFirstLetter(_ text: String) -> String {
        text.prefix(1).lowercased() + text.dropFirst()
    }

    private func parseDocument(_ text: String) throws(EnvironmentError) -> TOMLTable {
        do {
            return try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw EnvironmentError(
                EnvironmentError.Diagnostic(
                    code: .syntax,
                    file: sourcePath,
                    line: error.source.begin.line,
                    column: error.source.begin.column,
                    message: "invalid TOML: \(Self.lowercasingFirstLetter(error.description))"
                )
            )
        } catch {
            throw EnvironmentError(
                EnvironmentError.Diagnostic(code: .syntax, file: sourcePath, message: "invalid TOML: \(error)")
            )
        }
    }
}
