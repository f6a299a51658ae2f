import Foundation

/// The environments of a project: one `<name>.toml` file per environment in one directory.
public struct EnvironmentCatalog: Sendable {
    /// The directory holding the environment files, as given (typically `environments`).
    public var directory: String

    /// The loader used for each file.
    public var loader: EnvironmentLoader

    /// Creates a catalog of the `.toml` files in `directory`.
    public init(directory: String, loader: EnvironmentLoader = EnvironmentLoader()) {
        self.directory = directory
        self.loader = loader
    }

    /// The names of all environments, sorted; hidden files are skipped.
    ///
    /// - Throws: ``EnvironmentError`` when the directory does not exist or can't be listed.
    public func names() throws(EnvironmentError) -> [String] {
        let fileNames: [String]
        do {
            fileNames = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            let exists = FileManager.default.fileExists(atPath: directory)
            throw EnvironmentError(
                EnvironmentError.Diagnostic(
                    code: exists ? .unreadable : .notFound,
                    file: directory,
                    message: exists
                        ? "cannot list the environments directory; check its permissions"
                        : "no environments directory; create it with one <name>.toml file per environment"
                )
            )
        }
        return
            fileNames
            .filter { $0.hasSuffix(".toml") && !$0.hasPrefix(".") }
            .map(EnvironmentLoader.environmentName(forFileAt:))
            .sorted()
    }

    /// The path of the file that defines the environment `name`, whether or not it exists.
    public func path(for name: String) -> String {
        (directory.hasSuffix("/") ? directory : directory + "/") + name + ".toml"
    }

    /// Loads the environment `name`, also checking that its gate names an environment of this catalog.
    ///
    /// - Throws: ``EnvironmentError`` when there is no such environment (the message lists the
    ///   available ones) or its file has problems.
    public func load(name: String) throws(EnvironmentError) -> Environment {
        let available = try names()
        guard available.contains(name) else {
            let list = available.isEmpty ? "none in \(directory)" : available.joined(separator: ", ")
            throw EnvironmentError(
                EnvironmentError.Diagnostic(
                    code: .notFound,
                    file: path(for: name),
                    message: "no environment named '\(name)'; available: \(list)"
                )
            )
        }
        return try loader.load(contentsOf: path(for: name), knownEnvironments: Set(available))
    }

    /// Loads every environment, keeping each one's result so that broken files can be shown next to good ones.
    ///
    /// - Returns: One entry per environment, sorted by name.
    /// - Throws: ``EnvironmentError`` only when the directory itself can't be listed.
    public func loadAll() throws(EnvironmentError) -> [Entry] {
        let available = try names()
        let known = Set(available)
        return available.map { name in
            let path = path(for: name)
            let result = Result { () throws(EnvironmentError) -> Environment in
                try loader.load(contentsOf: path, knownEnvironments: known)
            }
            return Entry(name: name, path: path, result: result)
        }
    }
}
