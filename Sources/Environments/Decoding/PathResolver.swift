/// Turns the workstation paths written in an environment file into absolute paths.
///
/// `~` and `~/…` mean the workstation user's home directory; any other relative path is relative
/// to the directory of the environment file, so a repository can ship keys or secrets beside its
/// environments and work from any current directory.
struct PathResolver: Sendable {
    /// The home directory that `~` stands for.
    let homeDirectory: String

    /// The absolute directory of the environment file.
    let baseDirectory: String

    /// The absolute, normalized form of `path`, or `nil` for a path that can't be resolved here:
    /// an empty one, or `~user/…`, whose home directory is another user's.
    func resolve(_ path: String) -> String? {
        if path.isEmpty || path.contains("\0") {
            return nil
        }
        if path == "~" {
            return Self.normalize(homeDirectory)
        }
        if path.hasPrefix("~/") {
            return Self.normalize(homeDirectory + "/" + path.dropFirst(2))
        }
        if path.hasPrefix("~") {
            return nil
        }
        if path.hasPrefix("/") {
            return Self.normalize(path)
        }
        return Self.normalize(baseDirectory + "/" + path)
    }

    /// OpenSSH's per-user `known_hosts` file, used when the environment file names none.
    var defaultKnownHostsFile: String {
        Self.normalize(homeDirectory + "/.ssh/known_hosts")
    }

    /// `path` made absolute against `directory` when it is relative, then normalized.
    static func absolute(_ path: String, relativeTo directory: String) -> String {
        normalize(path.hasPrefix("/") ? path : directory + "/" + path)
    }

    /// Removes empty, `.` and `..` components without touching the file system, so the result is
    /// the same whether or not the path exists yet.
    static func normalize(_ path: String) -> String {
        var components: [Substring] = []
        for component in path.split(separator: "/") {
            switch component {
            case ".":
                continue
            case "..":
                _ = components.popLast()
            default:
                components.append(component)
            }
        }
        return "/" + components.joined(separator: "/")
    }

    /// The directory part of an absolute path.
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else {
            return "."
        }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
