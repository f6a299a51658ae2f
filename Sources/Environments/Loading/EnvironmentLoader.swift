import Foundation

/// Reads environment files and validates them into ``Environment`` values.
///
/// The loader holds the two directories that relative workstation paths depend on, so that tests
/// and tools can load files as if run from anywhere.
public struct EnvironmentLoader: Sendable {
    /// The directory `~` expands to in workstation paths.
    public var homeDirectory: String

    /// The directory a relative source path is relative to.
    public var workingDirectory: String

    /// The user's OpenSSH client configuration, read unless an environment file sets `[ssh] config`.
    public var userSSHConfig: String?

    /// The system's OpenSSH client configuration, read after the user's unless an environment file
    /// names its own (as `ssh -F` does) or turns ssh_config off.
    public var systemSSHConfig: String?

    /// Creates a loader.
    ///
    /// - Parameters:
    ///   - homeDirectory: What `~` means; by default `$HOME`, or the account's home directory.
    ///   - workingDirectory: What relative source paths are relative to; by default the process's current directory.
    ///
    /// The OpenSSH client configuration read is `~/.ssh/config` (in that home directory), then
    /// `/etc/ssh/ssh_config`; set `userSSHConfig` or `systemSSHConfig` to nil to read neither.
    public init(homeDirectory: String? = nil, workingDirectory: String? = nil) {
        let home =
            homeDirectory
            ?? ProcessInfo.processInfo.environment["HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? FileManager.default.homeDirectoryForCurrentUser.path
        self.homeDirectory = home
        self.workingDirectory = workingDirectory ?? FileManager.default.currentDirectoryPath
        self.userSSHConfig = PathResolver.normalize(home + "/.ssh/config")
        self.systemSSHConfig = "/etc/ssh/ssh_config"
    }

    /// Reads and validates the environment file at `path`; the environment is named after the file.
    ///
    /// - Throws: ``EnvironmentError`` when the file can't be read, isn't valid TOML, or breaks any rule.
    public func load(contentsOf path: String) throws(EnvironmentError) -> Environment {
        try load(contentsOf: path, knownEnvironments: nil)
    }

    /// Validates the text of an environment file.
    ///
    /// - Parameters:
    ///   - text: The TOML document.
    ///   - name: The environment's name.
    ///   - sourcePath: The file the text came from; messages show it, and relative workstation paths
    ///     in the text are relative to its directory.
    /// - Throws: ``EnvironmentError`` listing every problem, sorted by line.
    public func parse(_ text: String, name: String, sourcePath: String) throws(EnvironmentError) -> Environment {
        try parse(text, name: name, sourcePath: sourcePath, knownEnvironments: nil)
    }

    /// The environment name for a file path: its file name without the `.toml` extension.
    public static func environmentName(forFileAt path: String) -> String {
        let fileName = path.split(separator: "/").last.map(String.init) ?? path
        return fileName.hasSuffix(".toml") ? String(fileName.dropLast(".toml".count)) : fileName
    }

    func load(contentsOf path: String, knownEnvironments: Set<String>?) throws(EnvironmentError) -> Environment {
        let text = try Self.readText(at: path)
        return try parse(
            text,
            name: Self.environmentName(forFileAt: path),
            sourcePath: path,
            knownEnvironments: knownEnvironments
        )
    }

    func parse(
        _ text: String,
        name: String,
        sourcePath: String,
        knownEnvironments: Set<String>?
    ) throws(EnvironmentError) -> Environment {
        let absoluteSource = PathResolver.absolute(sourcePath, relativeTo: workingDirectory)
        let decoder = EnvironmentDecoder(
            name: name,
            sourcePath: sourcePath,
            paths: PathResolver(
                homeDirectory: homeDirectory, baseDirectory: PathResolver.directory(of: absoluteSource)),
            knownEnvironments: knownEnvironments,
            workingDirectory: workingDirectory,
            userSSHConfig: userSSHConfig,
            systemSSHConfig: systemSSHConfig
        )
        return try decoder.decode(text)
    }

    private static func readText(at path: String) throws(EnvironmentError) -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw EnvironmentError(EnvironmentError.Diagnostic(code: .notFound, file: path, message: "no such file"))
        }
        guard !isDirectory.boolValue else {
            throw EnvironmentError(
                EnvironmentError.Diagnostic(
                    code: .unreadable, file: path, message: "is a directory, not an environment file")
            )
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EnvironmentError(
                EnvironmentError.Diagnostic(
                    code: .unreadable, file: path, message: "cannot be read; check its permissions")
            )
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw EnvironmentError(
                EnvironmentError.Diagnostic(code: .unreadable, file: path, message: "is not UTF-8 text"))
        }
        return text
    }
}
