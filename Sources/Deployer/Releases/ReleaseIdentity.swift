import Foundation

/// What identifies the code being shipped from a checkout: its git commit and whether the work tree
/// has changes that commit does not hold. The migrator records it in the schema history.
public struct ReleaseIdentity: Sendable, Equatable, Codable {
    /// The commit, 12 hex digits, or nil outside a git checkout.
    public let revision: String?
    /// Whether tracked files differ from `revision` (untracked files do not count).
    public let dirty: Bool

    public init(revision: String?, dirty: Bool) {
        self.revision = revision
        self.dirty = dirty
    }

    /// `<revision>`, `<revision>+dirty`, or `unreleased` outside a git checkout.
    public var label: String {
        guard let revision else { return "unreleased" }
        return dirty ? revision + "+dirty" : revision
    }

    /// The identity of the git checkout at `directory` (default: the current directory).
    public static func of(checkout directory: String? = nil) -> ReleaseIdentity {
        let prefix = directory.map { ["-C", $0] } ?? []
        guard let revision = git(prefix + ["rev-parse", "--short=12", "HEAD"]), !revision.isEmpty else {
            return ReleaseIdentity(revision: nil, dirty: false)
        }
        let changes = git(prefix + ["status", "--porcelain", "--untracked-files=no"])
        return ReleaseIdentity(revision: revision, dirty: changes.map { !$0.isEmpty } ?? false)
    }

    /// git's trimmed standard output, or nil when git is missing or fails.
    private static func git(_ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return process.terminationStatus == 0 ? output.trimmingCharacters(in: .whitespacesAndNewlines) : nil
    }
}
