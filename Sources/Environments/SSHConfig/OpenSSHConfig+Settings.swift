import Foundation

extension OpenSSHConfig {
    /// A value from a configuration line, with the line.
    struct Value<Wrapped: Sendable>: Sendable {
        let value: Wrapped
        let origin: Environment.Origin
    }

    /// The settings deployctl uses for one host name, each the first one obtained (every
    /// `IdentityFile`), already checked; paths and `%` tokens are expanded by the caller, who knows
    /// the effective user and address.
    struct Settings: Sendable {
        var hostName: Value<String>?
        var user: Value<String>?
        var port: Value<Int>?
        var identityFiles: [Value<String>] = []
        var identitiesOnly: Value<Bool>?
        var userKnownHostsFile: Value<String>?
        var connectTimeoutSeconds: Value<Int>?
        var serverAliveIntervalSeconds: Value<Int>?
        /// The `ProxyJump` value as written (`none` included).
        var proxyJump: Value<String>?
        /// The first line of each keyword deployctl does not use.
        var ignored: [Line] = []
        /// Values deployctl cannot accept.
        var problems: [Problem] = []
    }

    /// The keywords deployctl reads; all others are ignored (and listed with `-v`).
    static let understoodKeys: Set<String> = [
        "hostname", "user", "port", "identityfile", "identitiesonly", "userknownhostsfile", "stricthostkeychecking",
        "connecttimeout", "serveraliveinterval", "proxyjump", "proxycommand",
    ]

    /// The settings for `name` (the name as the environment file writes it, an alias or an address).
    func settings(for name: String) -> Settings {
        var lines = Applicable()
        for file in files {
            collect(file, name: name, active: true, neverMatch: false, into: &lines)
        }
        var settings = Settings()
        settings.ignored = lines.ignored
        for line in lines.first.values.sorted(by: { $0.order < $1.order }).map(\.line) {
            settings.read(line, name: name)
        }
        settings.identityFiles = lines.identityFiles.compactMap { line in
            settings.single(line).map { Value(value: $0, origin: line.location) }
        }
        return settings
    }

    /// The lines that apply to one name: the first of each keyword, every `IdentityFile`.
    private struct Applicable {
        var first: [String: (order: Int, line: Line)] = [:]
        var identityFiles: [Line] = []
        var ignored: [Line] = []

        mutating func add(_ line: Line) {
            if line.key == "identityfile" {
                identityFiles.append(line)
                return
            }
            // ProxyJump and ProxyCommand compete: whichever comes first wins, as in ssh.
            let slot = line.key == "proxycommand" ? "proxyjump" : line.key
            guard first[slot] == nil else { return }
            first[slot] = (first.count, line)
            if !OpenSSHConfig.understoodKeys.contains(line.key) { ignored.append(line) }
        }
    }

    private func collect(
        _ elements: [Element], name: String, active: Bool, neverMatch: Bool, into lines: inout Applicable
    ) {
        var active = active
        for element in elements {
            switch element {
            case .host(let patterns, _):
                active = !neverMatch && Self.hostMatches(patterns, name)
            case .line(let line):
                if active { lines.add(line) }
            case .include(let files):
                for file in files {
                    collect(file, name: name, active: active, neverMatch: neverMatch || !active, into: &lines)
                }
            }
        }
    }

    /// Expands a leading `~` and the `%` tokens in `value` (`%%` is a percent sign).
    static func expand(_ value: Value<String>, home: String, tokens: [Character: String]) -> Result<String, Problem> {
        var text = value.value
        if text == "~" || text.hasPrefix("~/") { text = home + text.dropFirst() }
        var result = ""
        var characters = text[...]
        while let next = characters.popFirst() {
            guard next == "%" else {
                result.append(next)
                continue
            }
            guard let token = characters.popFirst() else {
                return .failure(Problem(location: value.origin, message: "'\(value.value)' ends with a lone %"))
            }
            if token == "%" {
                result.append("%")
            } else if let replacement = tokens[token] {
                result += replacement
            } else {
                let known = (["%"] + tokens.keys.map(String.init).sorted()).map { "%" + $0 }.joined(separator: " ")
                return .failure(
                    Problem(
                        location: value.origin,
                        message: "'\(value.value)': deployctl does not expand %\(token) (it expands \(known))"))
            }
        }
        return .success(result)
    }

    /// Seconds written as ssh_config writes times: `30`, `30s`, `2m`, `1h`, `1m30s`.
    static func seconds(_ text: String) -> Int? {
        if let plain = Int(text) { return plain }
        var total = 0
        var digits = ""
        for character in text.lowercased() {
            if character.isASCII && character.isNumber {
                digits.append(character)
                continue
            }
            let unit: Int
            switch character {
            case "s": unit = 1
            case "m": unit = 60
            case "h": unit = 3600
            case "d": unit = 86_400
            case "w": unit = 604_800
            default: return nil
            }
            guard let amount = Int(digits) else { return nil }
            total += amount * unit
            digits = ""
        }
        return digits.isEmpty ? total : nil
    }
}

extension OpenSSHConfig.Settings {
    fileprivate mutating func read(_ line: OpenSSHConfig.Line, name: String) {
        let origin = line.location
        switch line.key {
        case "hostname":
            guard let value = single(line) else { return }
            let expanded = value.replacingOccurrences(of: "%%", with: "\u{0}").replacingOccurrences(
                of: "%h", with: name
            )
            .replacingOccurrences(of: "\u{0}", with: "%")
            hostName = checked(expanded, line, expected: "a DNS name, IPv4 or IPv6 address", ValueFormats.isHostAddress)
        case "user":
            guard let value = single(line) else { return }
            user = checked(value, line, expected: "a user name", ValueFormats.isUnixUserName)
        case "port":
            guard let value = single(line) else { return }
            port = checked(Int(value) ?? 0, line, shown: value, expected: "a port in 1...65535") {
                (1...65535).contains($0)
            }
        case "identitiesonly":
            guard let value = single(line) else { return }
            identitiesOnly = flag(value, line)
        case "userknownhostsfile":
            // Several files may follow; deployctl verifies against (and `trust` writes to) the first.
            guard let first = line.arguments.first else { return missing(line) }
            userKnownHostsFile = OpenSSHConfig.Value(value: first, origin: origin)
        case "stricthostkeychecking":
            guard let value = single(line) else { return }
            if !["yes", "ask"].contains(value.lowercased()) {
                problems.append(
                    OpenSSHConfig.Problem(
                        location: origin,
                        message:
                            "\(line.keyword) \(value) (for \(name)): deployctl never trusts a host key silently, only yes or ask are accepted; record keys with `deployctl trust`"
                    ))
            }
        case "connecttimeout":
            guard let value = single(line) else { return }
            connectTimeoutSeconds = checked(
                OpenSSHConfig.seconds(value) ?? 0, line, shown: value, expected: "a time of 1 to 300 seconds"
            ) { (1...300).contains($0) }
        case "serveraliveinterval":
            guard let value = single(line) else { return }
            serverAliveIntervalSeconds = checked(
                OpenSSHConfig.seconds(value) ?? -1, line, shown: value, expected: "a time of 0 to 3600 seconds"
            ) { (0...3600).contains($0) }
        case "proxyjump":
            guard let value = single(line) else { return }
            proxyJump = OpenSSHConfig.Value(value: value, origin: origin)
        case "proxycommand":
            if line.arguments.map({ $0.lowercased() }) != ["none"] {
                problems.append(
                    OpenSSHConfig.Problem(
                        location: origin,
                        message:
                            "\(line.keyword) (for \(name)) is not supported: deployctl starts no processes to connect; use ProxyJump, or [[hosts]] jump in the environment file"
                    ))
            }
        default:
            return
        }
    }

    /// The line's one argument; a problem when there is none or more than one.
    fileprivate mutating func single(_ line: OpenSSHConfig.Line) -> String? {
        guard line.arguments.count == 1 else {
            if line.arguments.isEmpty {
                missing(line)
            } else {
                problems.append(
                    OpenSSHConfig.Problem(location: line.location, message: "\(line.keyword) takes one value"))
            }
            return nil
        }
        return line.arguments[0]
    }

    private mutating func missing(_ line: OpenSSHConfig.Line) {
        problems.append(OpenSSHConfig.Problem(location: line.location, message: "\(line.keyword) needs a value"))
    }

    private mutating func flag(_ value: String, _ line: OpenSSHConfig.Line) -> OpenSSHConfig.Value<Bool>? {
        switch value.lowercased() {
        case "yes", "true": return OpenSSHConfig.Value(value: true, origin: line.location)
        case "no", "false": return OpenSSHConfig.Value(value: false, origin: line.location)
        default:
            problems.append(
                OpenSSHConfig.Problem(
                    location: line.location, message: "\(line.keyword): expected yes or no, found '\(value)'"))
            return nil
        }
    }

    private mutating func checked<Wrapped: Sendable>(
        _ value: Wrapped, _ line: OpenSSHConfig.Line, shown: String? = nil, expected: String,
        _ isValid: (Wrapped) -> Bool
    ) -> OpenSSHConfig.Value<Wrapped>? {
        guard isValid(value) else {
            problems.append(
                OpenSSHConfig.Problem(
                    location: line.location,
                    message: "\(line.keyword): expected \(expected), found '\(shown ?? "\(value)")'"))
            return nil
        }
        return OpenSSHConfig.Value(value: value, origin: line.location)
    }
}
