import Foundation

/// One hop of a `jump` (environment file) or `ProxyJump` (ssh_config) value:
/// `[ssh://][user@]host[:port]`, an IPv6 address in brackets when a port follows.
struct JumpSpec: Sendable, Hashable {
    /// The hop as written.
    let text: String
    let user: String?
    let host: String
    let port: Int?

    /// The hops of a comma-separated list, the first reached directly; `none` is no hop at all.
    ///
    /// - Returns: The hops, or what is wrong with the value.
    static func parseList(_ value: String) -> Result<[JumpSpec], JumpSpecProblem> {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if trimmed.lowercased() == "none" { return .success([]) }
        var hops: [JumpSpec] = []
        for part in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
            let text = part.trimmingCharacters(in: .whitespaces)
            guard let hop = parse(text) else {
                return .failure(
                    JumpSpecProblem(
                        message:
                            "'\(text)' is not a jump host: expected [user@]host[:port] (comma-separated for a chain), or none"
                    ))
            }
            hops.append(hop)
        }
        return .success(hops)
    }

    private static func parse(_ text: String) -> JumpSpec? {
        var rest = Substring(text)
        if rest.hasPrefix("ssh://") { rest = rest.dropFirst("ssh://".count) }
        var user: String?
        if let at = rest.lastIndex(of: "@") {
            user = String(rest[..<at])
            rest = rest[rest.index(after: at)...]
            guard let user, ValueFormats.isUnixUserName(user) else { return nil }
        }
        var host = String(rest)
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return nil }
                portText = after.dropFirst()
            }
        } else if rest.filter({ $0 == ":" }).count == 1, let colon = rest.firstIndex(of: ":") {
            host = String(rest[..<colon])
            portText = rest[rest.index(after: colon)...]
        }
        var port: Int?
        if let portText {
            guard let number = Int(portText), (1...65535).contains(number) else { return nil }
            port = number
        }
        guard ValueFormats.isHostAddress(host) else { return nil }
        return JumpSpec(text: text, user: user, host: host, port: port)
    }
}

/// Why a `jump` or `ProxyJump` value cannot be read.
struct JumpSpecProblem: Error, Sendable {
    let message: String
}
