import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The OpenSSH client configuration (`ssh_config(5)`) as deployctl reads it: the user's file
/// (`~/.ssh/config`), then the system's (`/etc/ssh/ssh_config`), with their `Include`s.
///
/// Parsing follows OpenSSH: a keyword, an optional `=`, arguments split at blanks with `"…"` and
/// `'…'` quoting; `Host` starts a block that applies when one of its patterns (`*`, `?`) matches
/// the name and none of its negated ones (`!pattern`) does; lines before the first `Host` apply
/// to every host; `Include` reads files (globs, `~`, relative to `~/.ssh` or `/etc/ssh`) in place,
/// conditionally when inside a block. `Match` is refused: deployctl cannot evaluate its criteria as
/// ssh would, and a guess could send a connection somewhere else.
struct OpenSSHConfig: Sendable {
    /// One `Keyword arguments` line.
    struct Line: Sendable {
        /// The keyword as written, for messages.
        let keyword: String
        /// The keyword in lower case, as OpenSSH compares them.
        let key: String
        let arguments: [String]
        let location: Environment.Origin
    }

    /// What a file holds, in order; an `Include` holds the files it read.
    indirect enum Element: Sendable {
        case host(patterns: [String], location: Environment.Origin)
        case line(Line)
        case include([[Element]])
    }

    /// A problem in a configuration file, placed at its line.
    struct Problem: Error, Sendable, Hashable {
        let location: Environment.Origin
        let message: String
    }

    /// The top-level files read (the user's, then the system's), each as its elements.
    let files: [[Element]]
    /// Every file read, included ones too, in the order they were read.
    let paths: [String]
    /// Problems found while reading (unreadable files, `Match`, bad quoting, `Include` too deep).
    let problems: [Problem]

    /// Includes nested deeper than this are refused, as OpenSSH does.
    static let maximumIncludeDepth = 16

    /// Reads `userFile` and `systemFile` (either may be nil or missing); `homeDirectory` is what `~` means.
    static func load(userFile: String?, systemFile: String?, homeDirectory: String) -> OpenSSHConfig {
        var reader = Reader(homeDirectory: homeDirectory)
        var files: [[Element]] = []
        if let userFile {
            files.append(reader.read(userFile, base: homeDirectory + "/.ssh", depth: 0, required: false))
        }
        if let systemFile {
            files.append(reader.read(systemFile, base: "/etc/ssh", depth: 0, required: false))
        }
        return OpenSSHConfig(files: files, paths: reader.paths, problems: reader.problems)
    }

    /// Parses `text` as the file `path`; `Include`s are read relative to `base`.
    static func parse(_ text: String, path: String, base: String, homeDirectory: String) -> OpenSSHConfig {
        var reader = Reader(homeDirectory: homeDirectory)
        reader.paths.append(path)
        let elements = reader.parse(text, path: path, base: base, depth: 0)
        return OpenSSHConfig(files: [elements], paths: reader.paths, problems: reader.problems)
    }

    /// Whether a `Host` line's patterns select `name`: one positive pattern matches and no negated one does.
    static func hostMatches(_ patterns: [String], _ name: String) -> Bool {
        let lowered = name.lowercased()
        var matched = false
        for pattern in patterns {
            if pattern.hasPrefix("!") {
                if wildcardMatches(pattern.dropFirst().lowercased()[...], lowered[...]) { return false }
            } else if wildcardMatches(pattern.lowercased()[...], lowered[...]) {
                matched = true
            }
        }
        return matched
    }

    /// OpenSSH's `match_pattern`: `*` any run of characters, `?` any one, everything else itself.
    static func wildcardMatches(_ pattern: Substring, _ text: Substring) -> Bool {
        guard let head = pattern.first else { return text.isEmpty }
        if head == "*" {
            let rest = pattern.drop { $0 == "*" }
            if rest.isEmpty { return true }
            return text.indices.contains { wildcardMatches(rest, text[$0...]) }
        }
        guard let first = text.first, head == "?" || head == first else { return false }
        return wildcardMatches(pattern.dropFirst(), text.dropFirst())
    }

    /// Reads files, following `Include`s, and collects problems.
    private struct Reader {
        let homeDirectory: String
        var paths: [String] = []
        var problems: [Problem] = []

        init(homeDirectory: String) {
            self.homeDirectory = homeDirectory
        }

        mutating func read(_ path: String, base: String, depth: Int, required: Bool) -> [Element] {
            guard FileManager.default.fileExists(atPath: path) else {
                if required {
                    problems.append(Problem(location: .init(.sshConfig, file: path), message: "no such file"))
                }
                return []
            }
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
            else {
                problems.append(
                    Problem(location: .init(.sshConfig, file: path), message: "cannot be read as UTF-8 text"))
                return []
            }
            paths.append(path)
            return parse(text, path: path, base: base, depth: depth)
        }

        mutating func parse(_ text: String, path: String, base: String, depth: Int) -> [Element] {
            var elements: [Element] = []
            for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let location = Environment.Origin(.sshConfig, file: path, line: index + 1)
                let words: [String]
                switch OpenSSHConfig.split(raw) {
                case .success(let split): words = split
                case .failure(let problem):
                    problems.append(Problem(location: location, message: problem.message))
                    continue
                }
                guard let keyword = words.first else { continue }
                let arguments = Array(words.dropFirst())
                switch keyword.lowercased() {
                case "host":
                    if arguments.isEmpty {
                        problems.append(Problem(location: location, message: "Host needs at least one pattern"))
                    }
                    elements.append(.host(patterns: arguments, location: location))
                case "match":
                    problems.append(
                        Problem(
                            location: location,
                            message:
                                "Match blocks are not supported: deployctl cannot evaluate them as ssh would. Write the block as Host patterns, name another file with [ssh] config = \"path\", or set [ssh] config = false"
                        ))
                    elements.append(.host(patterns: [], location: location))
                case "include":
                    elements.append(include(arguments, base: base, depth: depth, location: location))
                default:
                    elements.append(
                        .line(
                            Line(keyword: keyword, key: keyword.lowercased(), arguments: arguments, location: location))
                    )
                }
            }
            return elements
        }

        private mutating func include(_ patterns: [String], base: String, depth: Int, location: Environment.Origin)
            -> Element
        {
            guard depth < OpenSSHConfig.maximumIncludeDepth else {
                problems.append(
                    Problem(
                        location: location,
                        message: "Include nested deeper than \(OpenSSHConfig.maximumIncludeDepth) files (a loop?)"))
                return .include([])
            }
            var files: [[Element]] = []
            for pattern in patterns {
                var path = pattern
                if path == "~" || path.hasPrefix("~/") {
                    path = homeDirectory + path.dropFirst()
                } else if !path.hasPrefix("/") {
                    path = base + "/" + path
                }
                for match in Self.glob(path) {
                    files.append(read(match, base: base, depth: depth + 1, required: true))
                }
            }
            return .include(files)
        }

        /// The paths `pattern` matches, sorted (as glob(3) returns them); none when nothing does.
        private static func glob(_ pattern: String) -> [String] {
            var matches = glob_t()
            defer { globfree(&matches) }
            guard Glibc.glob(pattern, 0, nil, &matches) == 0 else { return [] }
            return (0..<Int(matches.gl_pathc)).compactMap { index in
                matches.gl_pathv[index].map { String(cString: $0) }
            }
        }
    }

    private struct SplitProblem: Error {
        let message: String
    }

    /// A line's keyword and arguments: blanks separate them, `=` may follow the keyword, quotes group,
    /// a backslash takes the next character as it is, `#` at the start of a word ends the line.
    private static func split(_ line: Substring) -> Result<[String], SplitProblem> {
        var words: [String] = []
        var characters = line[...]
        func skipBlanks() { characters = characters.drop { $0 == " " || $0 == "\t" || $0 == "\r" } }
        skipBlanks()
        var keyword = ""
        while let next = characters.first, next != " ", next != "\t", next != "=", next != "\r" {
            keyword.append(next)
            characters = characters.dropFirst()
        }
        guard !keyword.isEmpty, !keyword.hasPrefix("#") else { return .success([]) }
        words.append(keyword)
        skipBlanks()
        if characters.first == "=" {
            characters = characters.dropFirst()
            skipBlanks()
        }
        while let start = characters.first, start != "#" {
            var word = ""
            var quote: Character?
            while let next = characters.first {
                characters = characters.dropFirst()
                if let open = quote {
                    if next == open {
                        quote = nil
                    } else {
                        word.append(next)
                    }
                } else if next == "\"" || next == "'" {
                    quote = next
                } else if next == "\\", let escaped = characters.first {
                    word.append(escaped)
                    characters = characters.dropFirst()
                } else if next == " " || next == "\t" || next == "\r" {
                    break
                } else {
                    word.append(next)
                }
            }
            if quote != nil { return .failure(SplitProblem(message: "unterminated quote")) }
            words.append(word)
            skipBlanks()
        }
        return .success(words)
    }
}
