extension EnvironmentDecoder {
    /// The `[ssh]` settings every host starts from.
    private struct SSHDefaults {
        var user: String?
        /// Whether `ssh.user` is written at all, so that an invalid one isn't also reported missing on every host.
        var userIsWritten = false
        var port = 22
        var identityFile: String?
        var identityPassphraseEnv: String?
        var useAgent: Bool?
        var knownHostsFile: String
        var connectTimeoutSeconds = 10
        var keepaliveSeconds = 30
        var commandTimeoutSeconds = 600
        var become: Environment.Host.Become?
    }

    /// What makes a host unique, collected even for hosts with other problems so that duplicates are still found.
    private struct HostIdentity {
        var path: TOMLKeyPath
        var name: String?
        var address: String?
        var port: Int
    }

    private static let hostAddressExpectation = "a DNS name, IPv4 or IPv6 address"
    private static let portRange = 1...65535

    /// Reads `[ssh]` and every `[[hosts]]` entry, applying the former to the latter.
    func decodeHosts(in root: TableReader) -> [Environment.Host]? {
        let defaults = decodeSSHDefaults(in: root)
        guard let entries = root.arrayOfTables("hosts", required: true, expected: "one or more [[hosts]] tables") else {
            return nil
        }
        if entries.isEmpty {
            root.diagnostics.report(
                .invalidValue,
                at: root.path.appending("hosts"),
                "expected one or more [[hosts]] tables, found an empty array"
            )
            return nil
        }

        var hosts: [Environment.Host] = []
        var identities: [HostIdentity] = []
        for entry in entries {
            let (host, identity) = decodeHost(entry, defaults: defaults)
            if let host {
                hosts.append(host)
            }
            identities.append(identity)
            entry.reportUnknownKeys()
        }
        reportDuplicates(among: identities, diagnostics: root.diagnostics)
        return hosts.count == entries.count ? hosts : nil
    }

    private func decodeSSHDefaults(in root: TableReader) -> SSHDefaults {
        var defaults = SSHDefaults(knownHostsFile: paths.defaultKnownHostsFile)
        guard let ssh = root.table("ssh", expected: "a table of SSH settings") else {
            return defaults
        }
        defaults.user = ssh.string("user", expected: "a user name", isValid: ValueFormats.isUnixUserName)
        defaults.userIsWritten = ssh.contains("user")
        defaults.port = ssh.integer("port", in: Self.portRange) ?? defaults.port
        defaults.identityFile = localPath("identity_file", in: ssh)
        defaults.identityPassphraseEnv = ssh.string(
            "identity_passphrase_env",
            expected: "the name of an environment variable",
            isValid: ValueFormats.isEnvironmentVariableName
        )
        defaults.useAgent = ssh.boolean("use_agent")
        defaults.knownHostsFile = localPath("known_hosts", in: ssh) ?? defaults.knownHostsFile
        defaults.connectTimeoutSeconds =
            ssh.integer("connect_timeout_seconds", in: 1...300) ?? defaults.connectTimeoutSeconds
        defaults.keepaliveSeconds = ssh.integer("keepalive_seconds", in: 0...3600) ?? defaults.keepaliveSeconds
        defaults.commandTimeoutSeconds =
            ssh.integer("command_timeout_seconds", in: 1...86400) ?? defaults.commandTimeoutSeconds
        defaults.become = ssh.choice("become", as: Environment.Host.Become.self)
        ssh.reportUnknownKeys()
        return defaults
    }

    private func decodeHost(_ entry: TableReader, defaults: SSHDefaults) -> (Environment.Host?, HostIdentity) {
        let name = entry.string(
            "name",
            required: true,
            expected: "a host name of lowercase letters, digits and hyphens",
            isValid: ValueFormats.isHostEntryName
        )
        let address = entry.string(
            "address",
            required: true,
            expected: Self.hostAddressExpectation,
            isValid: ValueFormats.isHostAddress
        )
        let port = entry.integer("port", in: Self.portRange) ?? defaults.port
        let user = entry.string("user", expected: "a user name", isValid: ValueFormats.isUnixUserName) ?? defaults.user
        if user == nil && !entry.contains("user") && !defaults.userIsWritten {
            entry.diagnostics.reportMissing(entry.path.appending("user"), expected: "a user name here or in [ssh]")
        }
        let identityFile = localPath("identity_file", in: entry) ?? defaults.identityFile
        let hostKey = entry.string(
            "host_key",
            expected:
                "an OpenSSH fingerprint, \"SHA256:\" followed by 43 base64 characters as printed by ssh-keygen -lf",
            isValid: ValueFormats.isSHA256Fingerprint
        )

        let become = entry.choice("become", as: Environment.Host.Become.self) ?? defaults.become
        let identity = HostIdentity(path: entry.path, name: name, address: address, port: port)
        guard let name, let address, let user else {
            return (nil, identity)
        }
        let host = Environment.Host(
            name: name,
            address: address,
            port: port,
            user: user,
            identityFile: identityFile,
            identityPassphraseEnv: defaults.identityPassphraseEnv,
            // Offering agent keys by default only makes sense when no key file was named.
            useAgent: defaults.useAgent ?? (identityFile == nil),
            knownHostsFile: defaults.knownHostsFile,
            hostKeyFingerprint: hostKey,
            connectTimeout: .seconds(defaults.connectTimeoutSeconds),
            keepalive: .seconds(defaults.keepaliveSeconds),
            commandTimeout: .seconds(defaults.commandTimeoutSeconds),
            become: become
        )
        return (host, identity)
    }

    private func reportDuplicates(among identities: [HostIdentity], diagnostics: DiagnosticCollector) {
        var firstByName: [String: TOMLKeyPath] = [:]
        var firstByEndpoint: [String: TOMLKeyPath] = [:]
        for identity in identities {
            if let name = identity.name {
                if let first = firstByName[name] {
                    diagnostics.report(
                        .conflict,
                        at: identity.path.appending("name"),
                        "duplicate host name '\(name)', already used by \(first) on line \(diagnostics.line(of: first))"
                    )
                } else {
                    firstByName[name] = identity.path
                }
            }
            if let address = identity.address {
                let endpoint = address.contains(":") ? "[\(address)]:\(identity.port)" : "\(address):\(identity.port)"
                let key = endpoint.lowercased()
                if let first = firstByEndpoint[key] {
                    diagnostics.report(
                        .conflict,
                        at: identity.path.appending("address"),
                        "\(first) on line \(diagnostics.line(of: first)) already connects to \(endpoint); each host must be a different machine"
                    )
                } else {
                    firstByEndpoint[key] = identity.path
                }
            }
        }
    }
}
