/// Gathers the problems found while one environment file is decoded, each placed at the line of
/// the key it concerns, so that a single run reports all of them.
final class DiagnosticCollector {
    private let file: String
    private let locator: TOMLSourceLocator
    private var diagnostics: [EnvironmentError.Diagnostic] = []

    init(file: String, locator: TOMLSourceLocator) {
        self.file = file
        self.locator = locator
    }

    /// Whether nothing has been reported.
    var isEmpty: Bool { diagnostics.isEmpty }

    /// Everything reported so far, as one error.
    var error: EnvironmentError { EnvironmentError(diagnostics: diagnostics) }

    /// Reports a problem with the key at `path`, placed where `location` (by default `path`
    /// itself) or its closest written ancestor is.
    func report(
        _ code: EnvironmentError.Code,
        at path: TOMLKeyPath,
        locatedAt location: TOMLKeyPath? = nil,
        _ message: String
    ) {
        let position = locator.nearestPosition(of: location ?? path)
        diagnostics.append(
            EnvironmentError.Diagnostic(
                code: code,
                file: file,
                line: position.line,
                column: position.column,
                keyPath: path.components.isEmpty ? nil : path.description,
                message: message
            )
        )
    }

    /// Reports a problem in another file than the environment file (an ssh_config file), at its line.
    func report(_ code: EnvironmentError.Code, in file: String, line: Int?, _ message: String) {
        diagnostics.append(EnvironmentError.Diagnostic(code: code, file: file, line: line, message: message))
    }

    /// Reports that the key at `path` is required but absent; it is placed at its table's header.
    func reportMissing(_ path: TOMLKeyPath, expected: String) {
        report(.missingKey, at: path, "missing required key, expected \(expected)")
    }

    /// The line `path` (or its closest written ancestor) is on, for messages that point at another key.
    func line(of path: TOMLKeyPath) -> Int {
        locator.nearestPosition(of: path).line
    }
}
