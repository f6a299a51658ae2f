import Foundation

/// The migrations of a folder, checked and ordered by version.
///
/// The folder holds `NNNN_slug.up.sql`, `NNNN_slug.down.sql` and optionally `NNNN_slug.verify.sql`
/// per migration. Files that neither end in `.sql` nor start with a digit (a README, `.gitkeep`)
/// are ignored; subfolders too. Loading checks every file and reports every problem at once:
/// names, pairing, encoding, splitting and directives.
public struct MigrationSet: Sendable, Hashable {
    /// The folder the files came from, as given; file paths in migrations and errors start with it.
    public let directory: String

    /// The migrations, ordered by version.
    public let migrations: [Migration]

    /// Loads the migration files of `directory`.
    ///
    /// - Throws: `MigrationSetError` listing every problem found, or naming the folder when it
    ///   cannot be read.
    public init(directory: String) throws(MigrationSetError) {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw MigrationSetError(diagnostics: [
                .init(
                    code: .unreadable,
                    file: directory,
                    message: "no migrations folder here; create it, or point to the right one with --migrations"
                )
            ])
        }
        let names: [String]
        do {
            names = try manager.contentsOfDirectory(atPath: directory)
        } catch {
            throw MigrationSetError(diagnostics: [
                .init(
                    code: .unreadable, file: directory,
                    message: "cannot list the folder (\(error.localizedDescription)); check its permissions")
            ])
        }
        var files: [String: [UInt8]] = [:]
        var problems: [MigrationSetError.Diagnostic] = []
        for name in names where MigrationFileName.isCandidate(name) {
            let path = (directory as NSString).appendingPathComponent(name)
            var isFolder: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue else { continue }
            guard let data = manager.contents(atPath: path) else {
                problems.append(
                    .init(code: .unreadable, file: path, message: "cannot read the file; check its permissions"))
                continue
            }
            files[name] = Array(data)
        }
        do throws(MigrationSetError) {
            try self.init(fileBytes: files, directory: directory)
        } catch {
            throw MigrationSetError(diagnostics: problems + error.diagnostics)
        }
        if !problems.isEmpty {
            throw MigrationSetError(diagnostics: problems)
        }
    }

    /// Loads migrations from texts in memory, keyed by file name (`0001_init.up.sql`), as if they
    /// were the files of `directory`; names that a folder would ignore are ignored here too.
    ///
    /// - Throws: `MigrationSetError` listing every problem found.
    public init(files: [String: String], directory: String = "migrations") throws(MigrationSetError) {
        try self.init(fileBytes: files.mapValues { Array($0.utf8) }, directory: directory)
    }

    /// Loads migrations from file contents in memory, keyed by file name, as if they were the files of
    /// `directory`; use it to check bytes that are not valid UTF-8.
    ///
    /// - Throws: `MigrationSetError` listing every problem found.
    public init(fileBytes: [String: [UInt8]], directory: String = "migrations") throws(MigrationSetError) {
        var loader = MigrationSetLoader(directory: directory, files: fileBytes)
        let migrations = loader.load()
        guard loader.diagnostics.isEmpty else {
            throw MigrationSetError(diagnostics: loader.diagnostics)
        }
        self.directory = directory
        self.migrations = migrations
    }

    /// The migration of `version`, or `nil`.
    public subscript(version: MigrationVersion) -> Migration? {
        migrations.first { $0.version == version }
    }
}
