import Foundation

/// What SFTP `stat` tells about a remote path.
public struct RemoteFileInfo: Sendable, Equatable {
    /// Size in bytes.
    public let size: UInt64
    /// Permission bits (`0o644`), without the file type.
    public let permissions: UInt32
    /// Whether the path is a directory.
    public let isDirectory: Bool
    /// Whether the path is a regular file.
    public let isRegularFile: Bool
    /// Owner and group ids.
    public let uid: UInt32
    public let gid: UInt32
    /// Last modification time.
    public let modified: Date

    public init(
        size: UInt64, permissions: UInt32, isDirectory: Bool, isRegularFile: Bool, uid: UInt32, gid: UInt32,
        modified: Date
    ) {
        self.size = size
        self.permissions = permissions
        self.isDirectory = isDirectory
        self.isRegularFile = isRegularFile
        self.uid = uid
        self.gid = gid
        self.modified = modified
    }
}

/// The outcome of an upload.
public struct UploadResult: Sendable {
    /// The final path on the host.
    public let remotePath: String
    /// Bytes transferred.
    public let bytes: UInt64
    /// Hex SHA-256 of the content, equal on both sides.
    public let sha256: String
    /// Wall time of the transfer and its verification.
    public let duration: Duration

    public init(remotePath: String, bytes: UInt64, sha256: String, duration: Duration) {
        self.remotePath = remotePath
        self.bytes = bytes
        self.sha256 = sha256
        self.duration = duration
    }
}
