import Foundation

/// A folder under the system's temporary directory for migration files, removed when the value is released.
final class MigrationSetFolder {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.path + "/deployctl-migrations-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Writes `contents` to `name` inside the folder, creating intermediate folders.
    func write(_ contents: String, to name: String) throws {
        let file = path + "/" + name
        try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try contents.write(toFile: file, atomically: true, encoding: .utf8)
    }
}
