extension EnvironmentDecoder {
    /// Reads `[app]`; `hosts` are the environment's hosts, which `loader_hosts` must name.
    func decodeApp(in root: TableReader, hosts: [Environment.Host]?) -> Environment.App? {
        guard let table = root.table("app", required: true, expected: "an [app] table") else {
            return nil
        }
        let hostPath = ValueFormats.absolutePathRule
        let appRoot = table.string("root", required: true, expected: hostPath, isValid: ValueFormats.isAbsolutePath)
        let user = table.string(
            "user",
            required: true,
            expected: "an unprivileged user name",
            isValid: ValueFormats.isUnixUserName
        )
        let envFile = table.string("env_file", required: true, expected: hostPath, isValid: ValueFormats.isAbsolutePath)
        let keepReleases = table.integer("keep_releases", in: 2...100) ?? 5
        let trustedKeys =
            table.strings(
                "trusted_release_keys",
                expected:
                    "an ed25519 public key line (ssh-ed25519 AAAA… comment) whose release signatures the hosts accept",
                isValid: ValueFormats.isEd25519PublicKeyLine
            ) ?? []
        let loaderHosts =
            table.strings(
                "loader_hosts", expected: "the name of one of this file's [[hosts]]",
                isValid: ValueFormats.isHostEntryName) ?? []
        if let hosts {
            for (index, name) in loaderHosts.enumerated() where !hosts.contains(where: { $0.name == name }) {
                table.diagnostics.report(
                    .invalidValue,
                    at: table.path.appending("loader_hosts").appending(index: index),
                    "no [[hosts]] entry is named '\(name)'; the loader runs on one of: \(hosts.map(\.name).joined(separator: ", "))"
                )
            }
        }
        table.reportUnknownKeys()

        if user == "root" {
            table.diagnostics.report(
                .invalidValue,
                at: table.path.appending("user"),
                "the pipeline must run as an unprivileged system user, not root"
            )
            return nil
        }
        guard let appRoot, let user, let envFile else {
            return nil
        }
        return Environment.App(
            root: appRoot, user: user, envFile: envFile, keepReleases: keepReleases, trustedReleaseKeys: trustedKeys,
            loaderHosts: loaderHosts)
    }

    /// Reads the optional `[systemd]` table; problems are reported and the defaults returned.
    func decodeSystemd(in root: TableReader) -> Environment.Systemd {
        guard let table = root.table("systemd", expected: "a [systemd] table") else {
            return Environment.Systemd()
        }
        // A user manager would need units in the SSH user's home and `systemctl --user` everywhere
        // deployctl runs systemctl; it does neither, so the file must not say it does.
        let scope =
            table.string(
                "scope",
                expected:
                    "\"system\" (deployctl installs units with the system manager as root; scope = \"user\" is not supported)",
                isValid: { $0 == Environment.Systemd.Scope.system.rawValue }
            ).flatMap(Environment.Systemd.Scope.init(rawValue:)) ?? .system
        let unitsDirectory = table.string(
            "units_dir",
            expected: ValueFormats.absolutePathRule,
            isValid: ValueFormats.isAbsolutePath
        )
        table.reportUnknownKeys()
        return Environment.Systemd(scope: scope, unitsDirectory: unitsDirectory)
    }

    /// Reads `[gate]`, which a production environment must have.
    func decodeGate(in root: TableReader, role: Environment.Role?) -> Environment.Gate? {
        let gatePath = root.path.appending("gate")
        guard let table = root.table("gate", expected: "a [gate] table") else {
            if role == .production && !root.contains("gate") {
                root.diagnostics.report(
                    .missingKey,
                    at: gatePath,
                    locatedAt: root.path.appending("role"),
                    "role = \"production\" requires a [gate] table naming the staging environment whose E2E report must pass first, such as require_passed_on = \"museshow\""
                )
            }
            return nil
        }
        let requirePassedOn = table.string(
            "require_passed_on",
            required: true,
            expected: "the name of another environment",
            isValid: ValueFormats.isEnvironmentName
        )
        let maxReportAgeHours = table.integer("max_report_age_hours", in: 1...8760) ?? 72
        let minSoakMinutes = table.integer("min_soak_minutes", in: 0...525_600) ?? 0
        let trustedVerifiers =
            table.strings(
                "trusted_verifiers",
                expected:
                    "an ed25519 public key line (ssh-ed25519 AAAA… comment) whose signed verification records the gate accepts",
                isValid: ValueFormats.isEd25519PublicKeyLine
            ) ?? []
        table.reportUnknownKeys()

        guard let requirePassedOn else {
            return nil
        }
        let requirePath = table.path.appending("require_passed_on")
        if requirePassedOn == name {
            table.diagnostics.report(
                .conflict,
                at: requirePath,
                "a gate cannot require its own environment '\(name)'; name the staging environment where releases are verified first"
            )
            return nil
        }
        if let knownEnvironments, !knownEnvironments.contains(requirePassedOn) {
            let available = knownEnvironments.subtracting([name]).sorted().joined(separator: ", ")
            table.diagnostics.report(
                .invalidValue,
                at: requirePath,
                "there is no environment named '\(requirePassedOn)'; available: \(available.isEmpty ? "none" : available)"
            )
            return nil
        }
        return Environment.Gate(
            requirePassedOn: requirePassedOn, maxReportAge: .seconds(maxReportAgeHours * 3600),
            minSoak: .seconds(minSoakMinutes * 60), trustedVerifiers: trustedVerifiers)
    }

    /// Reads the optional `[deploy]` table; problems are reported and the defaults returned.
    func decodeDeploy(in root: TableReader) -> Environment.Deploy {
        guard let table = root.table("deploy", expected: "a [deploy] table") else {
            return Environment.Deploy()
        }
        let defaults = Environment.Deploy()
        let policy =
            table.choice("rollback_migrations", as: Environment.Deploy.RollbackMigrations.self)
            ?? defaults.rollbackMigrations
        let watchdog = table.integer("watchdog_seconds", in: 5...3600).map { Duration.seconds($0) } ?? defaults.watchdog
        let lockTTL =
            table.integer("lock_ttl_seconds", in: 10...86_400).map { Duration.seconds($0) } ?? defaults.lockTTL
        table.reportUnknownKeys()
        return Environment.Deploy(rollbackMigrations: policy, watchdog: watchdog, lockTTL: lockTTL)
    }
}
