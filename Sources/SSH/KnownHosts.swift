import Crypto
import Foundation

/// An OpenSSH known_hosts file: plain and hashed (`|1|salt|hash`) host patterns, `[host]:port`
/// entries, wildcards and negations, `@revoked` markers.
///
/// libssh2 has a known_hosts parser of its own, but it stops at the first line it cannot read and
/// cannot tell which key types are recorded for a host; deployctl needs both, to survive files
/// written by other tools and to ask the server for a key type that is already trusted.
public struct KnownHosts: Sendable {
    /// One usable line of the file.
    public struct Entry: Sendable {
        /// The line number in the file, from 1.
        public let line: Int
        /// `true` for `@revoked` lines: such a key is refused outright.
        public let revoked: Bool
        let patterns: [String]
        let hashed: (salt: [UInt8], hash: [UInt8])?
        /// The recorded key.
        public let key: HostKey
    }

    /// The result of checking a presented key.
    public enum Verdict: Sendable, Equatable {
        /// A recorded key of the same type matches.
        case trusted(line: Int)
        /// The host is recorded with a different key of the same type: possible attack or a reinstalled host.
        case changed(line: Int)
        /// The key is explicitly revoked.
        case revoked(line: Int)
        /// Nothing recorded for this host and key type.
        case unknown
    }

    /// The file this was read from.
    public let path: String
    /// The entries that parsed; unparseable lines are skipped, as OpenSSH does.
    public let entries: [Entry]

    /// Reads `path`; a missing file is an empty list (nothing is trusted yet).
    public static func load(path: String) throws(SSHError) -> KnownHosts {
        guard FileManager.default.fileExists(atPath: path) else { return KnownHosts(path: path, entries: []) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SSHError(.knownHostsFile, "cannot read known_hosts file \(path)")
        }
        return KnownHosts(path: path, text: String(decoding: data, as: UTF8.self))
    }

    /// Parses the text of a known_hosts file.
    public init(path: String, text: String) {
        self.path = path
        var entries: [Entry] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if let entry = Self.parse(line: rawLine, number: index + 1) { entries.append(entry) }
        }
        self.entries = entries
    }

    private init(path: String, entries: [Entry]) {
        self.path = path
        self.entries = entries
    }

    private static func parse(line: Substring, number: Int) -> Entry? {
        var fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard let first = fields.first, !first.hasPrefix("#") else { return nil }
        var revoked = false
        if first.hasPrefix("@") {
            guard first == "@revoked" else { return nil }
            revoked = true
            fields.removeFirst()
        }
        guard fields.count >= 3, let blob = Data(base64Encoded: fields[2]) else { return nil }
        var reader = WireReader(bytes: [UInt8](blob))
        guard reader.string() == fields[1] else { return nil }
        let hostField = fields[0]
        var hashed: (salt: [UInt8], hash: [UInt8])?
        if hostField.hasPrefix("|1|") {
            let parts = hostField.split(separator: "|")
            guard parts.count == 3, let salt = Data(base64Encoded: String(parts[1])),
                let hash = Data(base64Encoded: String(parts[2]))
            else { return nil }
            hashed = ([UInt8](salt), [UInt8](hash))
        }
        return Entry(
            line: number, revoked: revoked,
            patterns: hashed == nil ? hostField.split(separator: ",").map(String.init) : [],
            hashed: hashed, key: HostKey(type: fields[1], blob: [UInt8](blob)))
    }

    /// The name under which OpenSSH records a host: `host` on port 22, else `[host]:port`.
    public static func hostName(_ host: String, port: Int) -> String {
        port == 22 ? host : "[\(host)]:\(port)"
    }

    /// The entries that apply to `host` on `port`.
    public func entries(forHost host: String, port: Int) -> [Entry] {
        let name = Self.hostName(host, port: port)
        return entries.filter { $0.matches(name) }
    }

    /// Checks `key` as presented by `host:port`.
    public func verify(_ key: HostKey, host: String, port: Int) -> Verdict {
        let candidates = entries(forHost: host, port: port)
        if let revoked = candidates.first(where: { $0.revoked && $0.key == key }) {
            return .revoked(line: revoked.line)
        }
        let sameType = candidates.filter { !$0.revoked && $0.key.type == key.type }
        if let match = sameType.first(where: { $0.key == key }) { return .trusted(line: match.line) }
        if let other = sameType.first { return .changed(line: other.line) }
        return .unknown
    }

    /// Key types recorded for the host, in file order, so the handshake can ask for one of them first.
    public func recordedKeyTypes(host: String, port: Int) -> [String] {
        var seen: [String] = []
        for entry in entries(forHost: host, port: port) where !entry.revoked && !seen.contains(entry.key.type) {
            seen.append(entry.key.type)
        }
        return seen
    }

    /// Appends a line trusting `key` for `host:port`, creating the file (mode 600) and its folder if needed.
    public static func append(_ key: HostKey, host: String, port: Int, to path: String, comment: String? = nil)
        throws(SSHError)
    {
        let url = URL(fileURLWithPath: path)
        var line = "\(hostName(host, port: port)) \(key.openSSHPublicKey)"
        if let comment { line += " \(comment)" }
        line += "\n"
        do {
            let folder = url.deletingLastPathComponent().path
            if !FileManager.default.fileExists(atPath: folder) {
                try FileManager.default.createDirectory(
                    atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            }
            if FileManager.default.fileExists(atPath: path) {
                let handle = try FileHandle(forUpdating: url)
                defer { try? handle.close() }
                let end = try handle.seekToEnd()
                if end > 0 {
                    try handle.seek(toOffset: end - 1)
                    let last = try handle.read(upToCount: 1)
                    if last != Data("\n".utf8) { line = "\n" + line }
                }
                try handle.write(contentsOf: Data(line.utf8))
            } else {
                guard
                    FileManager.default.createFile(
                        atPath: path, contents: Data(line.utf8), attributes: [.posixPermissions: 0o600])
                else {
                    throw CocoaError(.fileWriteUnknown)
                }
            }
        } catch {
            throw SSHError(.knownHostsFile, "cannot write known_hosts file \(path): \(error.localizedDescription)")
        }
    }
}

extension KnownHosts.Entry {
    /// OpenSSH semantics: a negated pattern that matches excludes the host even if another pattern matches.
    func matches(_ name: String) -> Bool {
        if let hashed {
            let mac = HMAC<Insecure.SHA1>.authenticationCode(
                for: Data(name.utf8), using: SymmetricKey(data: hashed.salt))
            return Array(mac) == hashed.hash
        }
        var matched = false
        for pattern in patterns {
            if pattern.hasPrefix("!") {
                if Self.wildcardMatch(String(pattern.dropFirst()).lowercased(), name.lowercased()) { return false }
            } else if Self.wildcardMatch(pattern.lowercased(), name.lowercased()) {
                matched = true
            }
        }
        return matched
    }

    static func wildcardMatch(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern)
        let t = Array(text)
        var pi = 0
        var ti = 0
        var star = -1
        var mark = 0
        while ti < t.count {
            if pi < p.count && (p[pi] == "?" || p[pi] == t[ti]) {
                pi += 1
                ti += 1
            } else if pi < p.count && p[pi] == "*" {
                star = pi
                mark = ti
                pi += 1
            } else if star >= 0 {
                pi = star + 1
                mark += 1
                ti = mark
            } else {
                return false
            }
        }
        while pi < p.count && p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}
