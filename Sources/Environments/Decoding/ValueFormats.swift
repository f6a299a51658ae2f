import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The shapes that names, addresses and paths in an environment file must have.
///
/// Values end up in shell commands, unit files and SQL on the host, so the rules are strict:
/// whatever passes here needs no quoting there.
enum ValueFormats {
    /// A `[[hosts]]` name: lowercase letters, digits and hyphens, starting with a letter or digit.
    static func isHostEntryName(_ value: String) -> Bool {
        value.wholeMatch(of: /[a-z0-9][a-z0-9-]*/) != nil
    }

    /// A DNS name, an IPv4 address or an IPv6 address.
    static func isHostAddress(_ value: String) -> Bool {
        if value.contains(":") {
            return parses(value, family: AF_INET6)
        }
        // Digits and dots only can't be a DNS name, so "203.0.113.300" is a bad address, not a host name.
        if value.allSatisfy({ $0 == "." || ("0"..."9").contains($0) }) {
            return parses(value, family: AF_INET)
        }
        return isDNSName(value)
    }

    /// A Linux account name as `useradd` accepts it by default.
    static func isUnixUserName(_ value: String) -> Bool {
        value.count <= 32 && value.wholeMatch(of: /[a-z_][a-z0-9_-]*\$?/) != nil
    }

    /// A ClickHouse identifier that needs no quoting: letters, digits and underscores, not starting with a digit.
    static func isIdentifier(_ value: String) -> Bool {
        value.wholeMatch(of: /[A-Za-z_][A-Za-z0-9_]*/) != nil
    }

    /// A ClickHouse cluster name as written in `remote_servers`, which may also contain hyphens.
    static func isClusterName(_ value: String) -> Bool {
        value.wholeMatch(of: /[A-Za-z_][A-Za-z0-9_-]*/) != nil
    }

    /// A POSIX environment variable name.
    static func isEnvironmentVariableName(_ value: String) -> Bool {
        value.wholeMatch(of: /[A-Za-z_][A-Za-z0-9_]*/) != nil
    }

    /// A systemd service unit name, such as `clickhouse-server.service` or `clickhouse@main.service`
    /// (systemd's characters, not starting with `-` or `.`, at most 255 characters).
    static func isServiceUnitName(_ value: String) -> Bool {
        value.count <= 255 && value.wholeMatch(of: /[A-Za-z0-9:_@\\][A-Za-z0-9:_.@\\-]*\.service/) != nil
    }

    /// A Docker container name.
    static func isContainerName(_ value: String) -> Bool {
        value.wholeMatch(of: /[A-Za-z0-9][A-Za-z0-9_.-]*/) != nil
    }

    /// The name of an environment, which is also a file name in the environments directory.
    static func isEnvironmentName(_ value: String) -> Bool {
        value.wholeMatch(of: /[A-Za-z0-9][A-Za-z0-9_.-]*/) != nil
    }

    /// What `isAbsolutePath` accepts, for messages.
    static let absolutePathRule =
        "an absolute path on the host (letters, digits, / _ . - + @; no spaces, quotes, %, $ or backslashes, no . or .. parts)"

    /// An absolute path on the host that needs no quoting or escaping in a unit file (`%`, spaces,
    /// quotes and backslashes would each mean something to systemd) or a shell word.
    static func isAbsolutePath(_ value: String) -> Bool {
        value.count <= 4096 && value.wholeMatch(of: /(\/[A-Za-z0-9_.+@-]+)+\/?|\//) != nil
            && !value.split(separator: "/").contains { $0 == "." || $0 == ".." }
    }

    /// An `http://` or `https://` URL with a host, as a notification is posted to.
    static func isWebURL(_ value: String) -> Bool {
        guard !value.contains(where: \.isWhitespace), let components = URLComponents(string: value),
            let scheme = components.scheme?.lowercased(), let host = components.host
        else { return false }
        return (scheme == "http" || scheme == "https") && !host.isEmpty
    }

    /// A Telegram chat: a numeric id (negative for groups and channels) or a public `@username`.
    static func isTelegramChatID(_ value: String) -> Bool {
        value.wholeMatch(of: /-?[1-9][0-9]*/) != nil || value.wholeMatch(of: /@[A-Za-z][A-Za-z0-9_]{3,31}/) != nil
    }

    /// A host key fingerprint as OpenSSH prints it: `SHA256:` and the unpadded base64 of 32 bytes.
    /// `ssh-ed25519 <base64 of a 51-byte blob>` with an optional comment.
    static func isEd25519PublicKeyLine(_ value: String) -> Bool {
        let parts = value.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count >= 2, parts[0] == "ssh-ed25519", let blob = Data(base64Encoded: String(parts[1])) else {
            return false
        }
        return blob.count == 51
    }

    static func isSHA256Fingerprint(_ value: String) -> Bool {
        // 43 characters carry 258 bits, so the last one may only use its top 4 bits: one of A E I M Q U Y c g k o s w 0 4 8.
        value.wholeMatch(of: /SHA256:[A-Za-z0-9+\/]{42}[AEIMQUYcgkosw048]/) != nil
    }

    private static func isDNSName(_ value: String) -> Bool {
        let name = value.hasSuffix(".") ? String(value.dropLast()) : value
        guard !name.isEmpty, name.count <= 253 else {
            return false
        }
        return name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            label.count <= 63 && label.wholeMatch(of: /[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?/) != nil
        }
    }

    private static func parses(_ value: String, family: Int32) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 16)
        return inet_pton(family, value, &buffer) == 1
    }
}
