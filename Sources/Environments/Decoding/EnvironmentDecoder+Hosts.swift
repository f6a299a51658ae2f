import TOMLKit

extension EnvironmentDecoder {
    /// A value the environment file writes, with its line.
    private struct Written<Value> {
        let value: Value
        let origin: Environment.Origin
    }

    /// Whether and which OpenSSH client configuration `[ssh] config` asks for.
    private enum SSHConfigChoice {
        /// The user's and the system's files (the default, `config = true`).
        case standard
        /// This file only, as `ssh -F` reads it.
        case file(String)
        /// None (`config = false`).
        case off
    }

    /// The `[ssh]` settings every host starts from; nil where the file does not write them.
    private struct SSHDefaults {
        var user: Written<String>?
        /// Whether `ssh.user` is written at all, so that an invalid one isn't also reported missing on every host.
        var userIsWritten = false
        var port: Written<Int>?
        var identityFile: Written<String>?
        var identityPassphraseEnv: String?
        var useAgent: Written<Bool>?
        var knownHostsFile: Written<String>?
        var connectTimeoutSeconds: Written<Int>?
        var keepaliveSeconds: Written<Int>?
        var commandTimeoutSeconds = 600
        var become: Environment.Host.Become?
        var jump: Written<String>?
        var config = SSHConfigChoice.standard
    }

    /// What makes a host unique, collected even for hosts with other problems so that duplicates are still found.
    private struct HostIdentity {
        var path: TOMLKeyPath
        var name: String?
        /// `address:port`, and the jump hosts in front, as the connection will be made.
        var endpoint: String?
    }

    /// The settings of a host that its jump hosts fall back to.
    private struct HopFallback {
        let user: Written<String>
        let identityFiles: [Written<String>]
        let useAgent: Written<Bool>
        let knownHostsFile: Written<String>
        let connectTimeoutSeconds: Written<Int>
        let keepaliveSeconds: Written<Int>
    }

    private static let hostAddressExpectation = "a DNS name, IPv4 or IPv6 address"
    private static let jumpExpectation = "jump hosts as [user@]host[:port], comma-separated for a chain, or \"none\""
    private static let portRange = 1...65535
    /// How many times a first jump host's own ProxyJump is followed before the chain counts as a loop.
    private static let maximumJumpNesting = 8

    /// Reads `[ssh]` and every `[[hosts]]` entry, applying the former and then ssh_config to the latter.
    func decodeHosts(in root: TableReader) -> ([Environment.Host]?, Environment.SSHConfigUse?) {
        let defaults = decodeSSHDefaults(in: root)
        let resolver = SSHConfigResolver(
            config: loadSSHConfig(defaults.config), homeDirectory: paths.homeDirectory,
            workingDirectory: workingDirectory, diagnostics: root.diagnostics)
        guard let entries = root.arrayOfTables("hosts", required: true, expected: "one or more [[hosts]] tables") else {
            return (nil, resolver.use)
        }
        if entries.isEmpty {
            root.diagnostics.report(
                .invalidValue,
                at: root.path.appending("hosts"),
                "expected one or more [[hosts]] tables, found an empty array"
            )
            return (nil, resolver.use)
        }

        var hosts: [Environment.Host] = []
        var identities: [HostIdentity] = []
        for entry in entries {
            let (host, identity) = decodeHost(entry, defaults: defaults, resolver: resolver)
            if let host {
                hosts.append(host)
            }
            identities.append(identity)
            entry.reportUnknownKeys()
        }
        reportDuplicates(among: identities, diagnostics: root.diagnostics)
        return (hosts.count == entries.count ? hosts : nil, resolver.use)
    }

    private func loadSSHConfig(_ choice: SSHConfigChoice) -> OpenSSHConfig? {
        switch choice {
        case .off:
            return nil
        case .standard:
            return OpenSSHConfig.load(
                userFile: userSSHConfig, systemFile: systemSSHConfig, homeDirectory: paths.homeDirectory)
        case .file(let path):
            return OpenSSHConfig.load(userFile: path, systemFile: nil, homeDirectory: paths.homeDirectory)
        }
    }

    private func written<Value>(_ value: Value?, _ key: String, in table: TableReader) -> Written<Value>? {
        value.map {
            Written(
                value: $0,
                origin: Environment.Origin(
                    .environmentFile, file: sourcePath, line: table.diagnostics.line(of: table.path.appending(key))))
        }
    }

    private func decodeSSHDefaults(in root: TableReader) -> SSHDefaults {
        var defaults = SSHDefaults()
        guard let ssh = root.table("ssh", expected: "a table of SSH settings") else {
            return defaults
        }
        defaults.user = written(
            ssh.string("user", expected: "a user name", isValid: ValueFormats.isUnixUserName), "user", in: ssh)
        defaults.userIsWritten = ssh.contains("user")
        defaults.port = written(ssh.integer("port", in: Self.portRange), "port", in: ssh)
        defaults.identityFile = written(localPath("identity_file", in: ssh), "identity_file", in: ssh)
        defaults.identityPassphraseEnv = ssh.string(
            "identity_passphrase_env",
            expected: "the name of an environment variable",
            isValid: ValueFormats.isEnvironmentVariableName
        )
        defaults.useAgent = written(ssh.boolean("use_agent"), "use_agent", in: ssh)
        defaults.knownHostsFile = written(localPath("known_hosts", in: ssh), "known_hosts", in: ssh)
        defaults.connectTimeoutSeconds = written(
            ssh.integer("connect_timeout_seconds", in: 1...300), "connect_timeout_seconds", in: ssh)
        defaults.keepaliveSeconds = written(
            ssh.integer("keepalive_seconds", in: 0...3600), "keepalive_seconds", in: ssh)
        defaults.commandTimeoutSeconds =
            ssh.integer("command_timeout_seconds", in: 1...86400) ?? defaults.commandTimeoutSeconds
        defaults.become = ssh.choice("become", as: Environment.Host.Become.self)
        defaults.jump = written(jumpValue(in: ssh), "jump", in: ssh)
        defaults.config = sshConfigChoice(in: ssh)
        ssh.reportUnknownKeys()
        return defaults
    }

    /// `[ssh] config`: true (the default), false, or the path of the one ssh_config file to read.
    private func sshConfigChoice(in ssh: TableReader) -> SSHConfigChoice {
        guard let value = ssh.value("config") else { return .standard }
        if let enabled = value.bool { return enabled ? .standard : .off }
        if value.string != nil, let path = localPath("config", in: ssh) { return .file(path) }
        if value.string == nil {
            ssh.diagnostics.report(
                .wrongType, at: ssh.path.appending("config"),
                "expected true, false or the path of an OpenSSH client configuration file, found \(FoundValue.describe(value, showingType: true))"
            )
        }
        return .off
    }

    private func jumpValue(in table: TableReader) -> String? {
        table.string("jump", expected: Self.jumpExpectation) {
            if case .success = JumpSpec.parseList($0) { true } else { false }
        }
    }

    private func decodeHost(_ entry: TableReader, defaults: SSHDefaults, resolver: SSHConfigResolver)
        -> (Environment.Host?, HostIdentity)
    {
        let name = entry.string(
            "name",
            required: true,
            expected: "a host name of lowercase letters, digits and hyphens",
            isValid: ValueFormats.isHostEntryName
        )
        let address = written(
            entry.string(
                "address",
                required: true,
                expected: Self.hostAddressExpectation,
                isValid: ValueFormats.isHostAddress
            ), "address", in: entry)
        let port = written(entry.integer("port", in: Self.portRange), "port", in: entry) ?? defaults.port
        let user =
            written(
                entry.string("user", expected: "a user name", isValid: ValueFormats.isUnixUserName), "user", in: entry)
            ?? defaults.user
        let identityFile = written(localPath("identity_file", in: entry), "identity_file", in: entry)
        let hostKey = entry.string(
            "host_key",
            expected:
                "an OpenSSH fingerprint, \"SHA256:\" followed by 43 base64 characters as printed by ssh-keygen -lf",
            isValid: ValueFormats.isSHA256Fingerprint
        )
        let become = entry.choice("become", as: Environment.Host.Become.self) ?? defaults.become
        let jump = written(jumpValue(in: entry), "jump", in: entry) ?? defaults.jump

        var identity = HostIdentity(path: entry.path, name: name)
        guard let address else { return (nil, identity) }
        let settings = resolver.settings(for: address.value)
        var origins = Environment.Host.SettingOrigins()
        let target = settings.hostName.map { Written(value: $0.value, origin: $0.origin) } ?? address
        origins[.address] = target.origin
        let effectivePort = port ?? settings.port.map { Written(value: $0.value, origin: $0.origin) }
        origins[.port] = effectivePort?.origin ?? .builtIn
        let portNumber = effectivePort?.value ?? 22

        guard let effectiveUser = user ?? settings.user.map({ Written(value: $0.value, origin: $0.origin) }) else {
            if !entry.contains("user") && !defaults.userIsWritten {
                entry.diagnostics.reportMissing(
                    entry.path.appending("user"), expected: "a user name here, in [ssh], or User in ssh_config")
            }
            return (nil, identity)
        }
        origins[.user] = effectiveUser.origin

        let identityFiles: [Written<String>] =
            (identityFile ?? defaults.identityFile).map { [$0] }
            ?? settings.identityFiles.compactMap { file in
                resolver.path(
                    file, host: target.value, alias: address.value, user: effectiveUser.value, port: portNumber
                ).map { Written(value: $0, origin: file.origin) }
            }
        origins.identityFiles = identityFiles.map(\.origin)
        origins[.identityFiles] = identityFiles.first?.origin ?? .builtIn
        // Offering agent keys by default only makes sense when no key file was named.
        let useAgent =
            defaults.useAgent ?? settings.identitiesOnly.map { Written(value: !$0.value, origin: $0.origin) }
            ?? Written(value: identityFiles.isEmpty, origin: .builtIn)
        origins[.useAgent] = useAgent.origin
        let knownHosts =
            defaults.knownHostsFile
            ?? settings.userKnownHostsFile.flatMap { file in
                resolver.path(
                    file, host: target.value, alias: address.value, user: effectiveUser.value, port: portNumber
                )
                .map { Written(value: $0, origin: file.origin) }
            } ?? Written(value: paths.defaultKnownHostsFile, origin: .builtIn)
        origins[.knownHostsFile] = knownHosts.origin
        let connectTimeout =
            defaults.connectTimeoutSeconds ?? settings.connectTimeoutSeconds.map {
                Written(value: $0.value, origin: $0.origin)
            }
            ?? Written(value: 10, origin: .builtIn)
        origins[.connectTimeout] = connectTimeout.origin
        let keepalive =
            defaults.keepaliveSeconds
            ?? settings.serverAliveIntervalSeconds.map { Written(value: $0.value, origin: $0.origin) }
            ?? Written(value: 30, origin: .builtIn)
        origins[.keepalive] = keepalive.origin

        let fallback = HopFallback(
            user: effectiveUser, identityFiles: identityFiles, useAgent: useAgent, knownHostsFile: knownHosts,
            connectTimeoutSeconds: connectTimeout, keepaliveSeconds: keepalive)
        let jumpValue = jump ?? settings.proxyJump.map { Written(value: $0.value, origin: $0.origin) }
        origins[.jump] = jumpValue?.origin ?? .builtIn
        let jumps = jumpValue.flatMap { value in
            self.jumps(
                value, path: entry.path.appending("jump"), fallback: fallback, resolver: resolver,
                diagnostics: entry.diagnostics, nesting: 0)
        }
        let endpoint =
            target.value.contains(":") ? "[\(target.value)]:\(portNumber)" : "\(target.value):\(portNumber)"
        identity.endpoint =
            endpoint + (jumps.map { $0.isEmpty ? "" : " via " + $0.map(\.name).joined(separator: ",") } ?? "")
        guard let name, jumpValue == nil || jumps != nil else { return (nil, identity) }
        let host = Environment.Host(
            name: name,
            address: target.value,
            port: portNumber,
            user: effectiveUser.value,
            identityPassphraseEnv: defaults.identityPassphraseEnv,
            useAgent: useAgent.value,
            knownHostsFile: knownHosts.value,
            hostKeyFingerprint: hostKey,
            connectTimeout: .seconds(connectTimeout.value),
            keepalive: .seconds(keepalive.value),
            commandTimeout: .seconds(defaults.commandTimeoutSeconds),
            become: become,
            alias: target.value == address.value ? nil : address.value,
            identityFiles: identityFiles.map(\.value),
            jumps: jumps ?? [],
            origins: origins
        )
        return (host, identity)
    }

    /// The jump hosts a `jump` or `ProxyJump` value names, each resolved through ssh_config; the
    /// first one's own ProxyJump puts its hops in front. Nil after reporting a problem.
    private func jumps(
        _ value: Written<String>, path: TOMLKeyPath, fallback: HopFallback, resolver: SSHConfigResolver,
        diagnostics: DiagnosticCollector, nesting: Int
    ) -> [Environment.Host.Jump]? {
        func fail(_ message: String) {
            if value.origin.source == .environmentFile {
                diagnostics.report(.invalidValue, at: path, message)
            } else {
                resolver.report(OpenSSHConfig.Problem(location: value.origin, message: message))
            }
        }
        let specs: [JumpSpec]
        switch JumpSpec.parseList(value.value) {
        case .success(let parsed): specs = parsed
        case .failure(let problem):
            fail(problem.message)
            return nil
        }
        var hops: [Environment.Host.Jump] = []
        for (index, spec) in specs.enumerated() {
            let settings = resolver.settings(for: spec.host)
            if index == 0, let nested = settings.proxyJump {
                guard nesting < Self.maximumJumpNesting else {
                    fail(
                        "the jump hosts' own ProxyJump settings lead more than \(Self.maximumJumpNesting) hops deep (a loop?)"
                    )
                    return nil
                }
                let before = jumps(
                    Written(value: nested.value, origin: nested.origin), path: path, fallback: fallback,
                    resolver: resolver, diagnostics: diagnostics, nesting: nesting + 1)
                guard let before else { return nil }
                hops += before
            }
            hops.append(jump(spec, from: value.origin, settings: settings, fallback: fallback, resolver: resolver))
        }
        return hops
    }

    private func jump(
        _ spec: JumpSpec, from origin: Environment.Origin, settings: OpenSSHConfig.Settings, fallback: HopFallback,
        resolver: SSHConfigResolver
    ) -> Environment.Host.Jump {
        var origins = Environment.Host.SettingOrigins()
        func pick<Value>(_ written: Value?, _ configured: OpenSSHConfig.Value<Value>?, _ otherwise: Written<Value>)
            -> Written<Value>
        {
            written.map { Written(value: $0, origin: origin) }
                ?? configured.map { Written(value: $0.value, origin: $0.origin) } ?? otherwise
        }
        let address = pick(nil, settings.hostName, Written(value: spec.host, origin: origin))
        origins[.address] = address.origin
        let port = pick(spec.port, settings.port, Written(value: 22, origin: .builtIn))
        origins[.port] = port.origin
        let user = pick(spec.user, settings.user, fallback.user)
        origins[.user] = user.origin
        let configuredFiles = settings.identityFiles.compactMap { file in
            resolver.path(file, host: address.value, alias: spec.host, user: user.value, port: port.value)
                .map { Written(value: $0, origin: file.origin) }
        }
        let identityFiles = configuredFiles.isEmpty ? fallback.identityFiles : configuredFiles
        origins.identityFiles = identityFiles.map(\.origin)
        origins[.identityFiles] = identityFiles.first?.origin ?? .builtIn
        let useAgent = pick(
            nil, settings.identitiesOnly.map { .init(value: !$0.value, origin: $0.origin) }, fallback.useAgent)
        origins[.useAgent] = useAgent.origin
        let knownHosts =
            settings.userKnownHostsFile.flatMap { file in
                resolver.path(file, host: address.value, alias: spec.host, user: user.value, port: port.value)
                    .map { Written(value: $0, origin: file.origin) }
            } ?? fallback.knownHostsFile
        origins[.knownHostsFile] = knownHosts.origin
        let connectTimeout = pick(nil, settings.connectTimeoutSeconds, fallback.connectTimeoutSeconds)
        origins[.connectTimeout] = connectTimeout.origin
        let keepalive = pick(nil, settings.serverAliveIntervalSeconds, fallback.keepaliveSeconds)
        origins[.keepalive] = keepalive.origin
        return Environment.Host.Jump(
            name: spec.text, address: address.value, port: port.value, user: user.value,
            identityFiles: identityFiles.map(\.value), useAgent: useAgent.value, knownHostsFile: knownHosts.value,
            connectTimeout: .seconds(connectTimeout.value), keepalive: .seconds(keepalive.value), origins: origins)
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
            if let endpoint = identity.endpoint {
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
