import Foundation

/// Where a secret, such as a ClickHouse password, can be found; never the secret itself.
///
/// Environment files are committed, so they only say where a secret is kept. In TOML a reference
/// is an inline table with exactly one key:
///
/// ```toml
/// password = { env = "CH_ADMIN_PASSWORD" }            # a variable on the workstation
/// password = { file = "~/.config/deployctl/ch-admin" } # a file on the workstation
/// password = { remote_file = "/opt/app/secrets/ch" }   # a file on the host
/// ```
public enum SecretReference: Sendable, Hashable, CustomStringConvertible {
    /// An environment variable of the workstation that runs deployctl.
    case environment(String)

    /// A file on the workstation, by absolute path.
    case localFile(String)

    /// A file on the host, by absolute path; the deployer reads it over SSH.
    case remoteFile(String)

    /// The reference in the form `env:NAME`, `file:/path` or `remote_file:/path`; never the secret's value.
    public var description: String {
        switch self {
        case .environment(let name): "env:\(name)"
        case .localFile(let path): "file:\(path)"
        case .remoteFile(let path): "remote_file:\(path)"
        }
    }

    /// Reads the secret on the workstation.
    ///
    /// Trailing line breaks are dropped from a file's contents, since `echo secret > file` adds one
    /// that is not part of the password.
    ///
    /// - Parameter environment: The variables to look ``environment(_:)`` references up in.
    /// - Returns: The secret, or `nil` for a ``remoteFile(_:)``, which only the host can read.
    /// - Throws: ``ResolutionError`` when the variable is unset or empty, or the file is missing,
    ///   unreadable, not UTF-8 or empty.
    public func resolveLocally(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ResolutionError) -> String? {
        switch self {
        case .environment(let name):
            guard let value = environment[name] else {
                throw ResolutionError(
                    reference: self,
                    message: "the environment variable \(name) is not set; export it in the shell that runs deployctl"
                )
            }
            guard !value.isEmpty else {
                throw ResolutionError(
                    reference: self,
                    message: "the environment variable \(name) is set but empty"
                )
            }
            return value
        case .localFile(let path):
            return try Self.readSecretFile(at: path, for: self)
        case .remoteFile:
            return nil
        }
    }

    private static func readSecretFile(at path: String, for reference: Self) throws(ResolutionError) -> String {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ResolutionError(reference: reference, message: "\(path) does not exist")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ResolutionError(reference: reference, message: "\(path) cannot be read; check its permissions")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ResolutionError(reference: reference, message: "\(path) is not UTF-8 text")
        }
        let secret = String(text.reversed().drop(while: \.isNewline).reversed())
        guard !secret.isEmpty else {
            throw ResolutionError(reference: reference, message: "\(path) is empty")
        }
        return secret
    }
}
