import TOMLKit

extension EnvironmentDecoder {
    private static let referenceForms =
        #"{ env = "VAR" } (a variable on the workstation), { file = "~/path" } (a file on the workstation) or { remote_file = "/absolute/path" } (a file on the host)"#

    /// Reads a secret reference: an inline table with exactly one of `env`, `file` and `remote_file`.
    ///
    /// A literal value is refused without being repeated in the message, since it is probably the
    /// secret itself and messages end up in terminals, logs and CI output.
    func decodeSecret(_ key: String, in table: TableReader) -> SecretReference? {
        let path = table.path.appending(key)
        guard let value = table.value(key) else {
            table.diagnostics.reportMissing(path, expected: "a secret reference: \(Self.referenceForms)")
            return nil
        }
        guard let referenceTable = value.table else {
            table.diagnostics.report(
                .literalSecret,
                at: path,
                "secrets must be references, not literal values; write \(key) = one of \(Self.referenceForms)"
            )
            return nil
        }

        let reference = TableReader(table: referenceTable, path: path, diagnostics: table.diagnostics)
        let environment = reference.string(
            "env",
            expected: "the name of an environment variable",
            isValid: ValueFormats.isEnvironmentVariableName
        )
        let localFile = localPath("file", in: reference)
        let remoteFile = reference.string(
            "remote_file", expected: ValueFormats.absolutePathRule, isValid: ValueFormats.isAbsolutePath)
        reference.reportUnknownKeys()

        let written = ["env", "file", "remote_file"].filter(reference.contains)
        guard written.count == 1 else {
            let found = written.isEmpty ? "none" : written.joined(separator: " and ")
            table.diagnostics.report(
                written.isEmpty ? .missingKey : .conflict,
                at: path,
                "a secret reference takes exactly one of env, file or remote_file, found \(found)"
            )
            return nil
        }
        if let environment {
            return .environment(environment)
        }
        if let localFile {
            return .localFile(localFile)
        }
        return remoteFile.map { .remoteFile($0) }
    }
}
