import Foundation

/// A folder under the system's temporary directory, removed when the value is released.
public final class TemporaryDirectory: @unchecked Sendable {
    public let path: String

    /// Creates `<tmp>/deployctl-<label>-<uuid>`.
    public init(_ label: String = "test") throws {
        path = FileManager.default.temporaryDirectory.path + "/deployctl-\(label)-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// The path of `name` inside the folder.
    public func file(_ name: String) -> String { path + "/" + name }

    /// Writes `contents` to `name` inside the folder, creating intermediate folders; returns the file's path.
    @discardableResult
    public func write(_ contents: String, to name: String) throws -> String {
        let file = file(name)
        try FileManager.default.createDirectory(
            atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try contents.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    /// A copy of `file` in the folder with `marker` appended to its bytes: different content (a
    /// release with a new id) that still runs, since a loader ignores bytes past an executable's end.
    public func variant(of file: String, marked marker: String) throws -> String {
        let path = self.file((file as NSString).lastPathComponent + "-" + marker)
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.copyItem(atPath: file, toPath: path)
        guard let handle = FileHandle(forWritingAtPath: path) else { throw CocoaError(.fileWriteNoPermission) }
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(marker.utf8))
        return path
    }
}
