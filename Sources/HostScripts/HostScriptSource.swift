import SSH

/// One POSIX `sh` script of `Sources/HostScripts`, embedded in the binary at build time.
///
/// Each script's header says what it does, the arguments it takes, the `ScriptAnswer` keys it
/// prints and its exit codes. A script never has values spliced into its text: it takes them as
/// positional arguments, which `commandLine(_:)` passes as quoted words.
public struct HostScriptSource: Sendable, Hashable, CustomStringConvertible {
    /// The file name without `.sh`, for example `switch-release`; also the script's `$0`.
    public let name: String
    /// The file's text.
    public let text: String

    public var description: String { name }

    /// The shell command that runs the script with `arguments`, every one of them one quoted word:
    /// `sh -c '<text>' <name> '<argument>'…`.
    public func commandLine(_ arguments: [String]) -> String {
        (["sh", "-c", text, name] + arguments).map(ShellQuote.quote).joined(separator: " ")
    }

    /// The header's comment lines (after the `#!` line, up to the first line that is not a comment).
    public var header: [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .dropFirst()
            .prefix { $0.hasPrefix("#") }
            .map { String($0.dropFirst().drop { $0 == " " }) }
    }
}
