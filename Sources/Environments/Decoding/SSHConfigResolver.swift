import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Applies the OpenSSH client configuration to the hosts of one environment file: looks names up,
/// expands paths, reports each ssh_config problem once (at its own file and line), and gathers the
/// keywords that applied but that deployctl does not use.
final class SSHConfigResolver {
    /// The configuration read, or nil when `[ssh] config = false`.
    let config: OpenSSHConfig?
    private let homeDirectory: String
    private let workingDirectory: String
    private let diagnostics: DiagnosticCollector
    private var reported: Set<OpenSSHConfig.Problem> = []
    private var ignored: [Environment.SSHConfigUse.IgnoredKeyword] = []

    init(config: OpenSSHConfig?, homeDirectory: String, workingDirectory: String, diagnostics: DiagnosticCollector) {
        self.config = config
        self.homeDirectory = homeDirectory
        self.workingDirectory = workingDirectory
        self.diagnostics = diagnostics
        for problem in config?.problems ?? [] { report(problem) }
    }

    /// What was read, for `env show`; nil when ssh_config is off.
    var use: Environment.SSHConfigUse? {
        config.map { Environment.SSHConfigUse(files: $0.paths, ignored: ignored) }
    }

    /// The settings ssh_config has for `name`; empty when it is off.
    func settings(for name: String) -> OpenSSHConfig.Settings {
        guard let config else { return OpenSSHConfig.Settings() }
        let settings = config.settings(for: name)
        settings.problems.forEach(report)
        for line in settings.ignored where !ignored.contains(where: { $0.keyword.lowercased() == line.key }) {
            ignored.append(.init(keyword: line.keyword, origin: line.location))
        }
        return settings
    }

    /// A path from ssh_config with `~` and the `%` tokens expanded, made absolute against the
    /// current directory (as ssh does); nil after reporting a token deployctl does not expand.
    func path(
        _ value: OpenSSHConfig.Value<String>, host: String, alias: String, user: String, port: Int
    ) -> String? {
        let tokens: [Character: String] = [
            "d": homeDirectory, "h": host, "n": alias, "p": String(port), "r": user,
            "u": ProcessInfo.processInfo.userName, "i": String(getuid()),
        ]
        switch OpenSSHConfig.expand(value, home: homeDirectory, tokens: tokens) {
        case .success(let expanded): return PathResolver.absolute(expanded, relativeTo: workingDirectory)
        case .failure(let problem):
            report(problem)
            return nil
        }
    }

    /// Reports `problem` unless it was already.
    func report(_ problem: OpenSSHConfig.Problem) {
        guard reported.insert(problem).inserted, let file = problem.location.file else { return }
        diagnostics.report(.invalidValue, in: file, line: problem.location.line, problem.message)
    }
}
