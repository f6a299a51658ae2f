extension EnvironmentDecoder {
    /// Reads `[clickhouse]` with its `[clickhouse.admin]` and `[clickhouse.writer]` accounts;
    /// `hosts` are the environment's hosts, one of which `host` must name (default: the first).
    func decodeClickHouse(in root: TableReader, hosts: [Environment.Host]?) -> Environment.ClickHouse? {
        guard let table = root.table("clickhouse", required: true, expected: "a [clickhouse] table") else {
            return nil
        }
        let host = table.string(
            "host",
            expected: "the name of one of this file's [[hosts]]",
            isValid: ValueFormats.isHostEntryName
        )
        if let host, let hosts, !hosts.contains(where: { $0.name == host }) {
            table.diagnostics.report(
                .invalidValue,
                at: table.path.appending("host"),
                "no [[hosts]] entry is named '\(host)'; ClickHouse runs on one of: \(hosts.map(\.name).joined(separator: ", "))"
            )
        }
        let runtime = decodeRuntime(in: table)
        let httpHost = table.string(
            "http_host",
            expected: "a DNS name, IPv4 or IPv6 address",
            isValid: ValueFormats.isHostAddress
        )
        let httpPort = table.integer("http_port", in: 1...65535)
        let database = table.string(
            "database",
            expected: "a ClickHouse identifier (letters, digits and _, not starting with a digit)",
            isValid: ValueFormats.isIdentifier
        )
        let stateDatabase = table.string(
            "state_database",
            expected: "a ClickHouse identifier (letters, digits and _, not starting with a digit)",
            isValid: ValueFormats.isIdentifier
        )
        if (stateDatabase ?? "deployctl") == (database ?? "zakaz") {
            table.diagnostics.report(
                .conflict,
                at: table.path.appending(stateDatabase == nil ? "database" : "state_database"),
                "state_database (default 'deployctl') must differ from database ('\(database ?? "zakaz")'): the pipeline's account writes that database, and deployctl's migration history, locks, audit copy and verification records must be out of its reach"
            )
        }
        let cluster = table.string(
            "cluster",
            expected: "a ClickHouse cluster name (letters, digits, _ and -, not starting with a digit)",
            isValid: ValueFormats.isClusterName
        )
        let admin = decodeCredentials("admin", in: table)
        let writer = decodeCredentials("writer", in: table)
        table.reportUnknownKeys()

        if let admin, let writer, admin.user == writer.user {
            table.diagnostics.report(
                .conflict,
                at: table.path.appending("writer").appending("user"),
                "the writer must be a different ClickHouse user than clickhouse.admin.user ('\(admin.user)'), so that the pipeline cannot change the schema"
            )
        }
        guard let runtime, let admin, let writer, let first = hosts?.first else {
            return nil
        }
        return Environment.ClickHouse(
            host: host ?? first.name,
            runtime: runtime,
            httpHost: httpHost ?? "127.0.0.1",
            httpPort: httpPort ?? 8123,
            database: database ?? "zakaz",
            stateDatabase: stateDatabase ?? "deployctl",
            cluster: cluster,
            admin: admin,
            writer: writer
        )
    }

    /// Reads `runs_as` and exactly the one of `unit` and `container` that goes with it.
    private func decodeRuntime(in table: TableReader) -> Environment.ClickHouse.Runtime? {
        let kind = table.choice("runs_as", required: true, as: ClickHouseRuntimeKind.self)
        let unit = table.string(
            "unit",
            expected: "a systemd service name ending in .service",
            isValid: ValueFormats.isServiceUnitName
        )
        let container = table.string(
            "container", expected: "a Docker container name", isValid: ValueFormats.isContainerName)
        let unitPath = table.path.appending("unit")
        let containerPath = table.path.appending("container")

        switch kind {
        case .systemd:
            if table.contains("container") {
                table.diagnostics.report(
                    .conflict,
                    at: containerPath,
                    "'container' only applies to runs_as = \"docker\"; remove it, or set runs_as = \"docker\" and remove 'unit'"
                )
            }
            if !table.contains("unit") {
                table.diagnostics.reportMissing(
                    unitPath,
                    expected:
                        "the systemd unit that runs ClickHouse when runs_as = \"systemd\", such as \"clickhouse-server.service\""
                )
            }
            return unit.map { .systemd(unit: $0) }
        case .docker:
            if table.contains("unit") {
                table.diagnostics.report(
                    .conflict,
                    at: unitPath,
                    "'unit' only applies to runs_as = \"systemd\"; remove it, or set runs_as = \"systemd\" and remove 'container'"
                )
            }
            if !table.contains("container") {
                table.diagnostics.reportMissing(
                    containerPath,
                    expected:
                        "the Docker container that runs ClickHouse when runs_as = \"docker\", such as \"ch-zakaz\""
                )
            }
            return container.map { .docker(container: $0) }
        case nil:
            return nil
        }
    }

    private func decodeCredentials(_ key: String, in clickhouse: TableReader) -> Environment.ClickHouse.Credentials? {
        guard let table = clickhouse.table(key, required: true, expected: "a table with user and password") else {
            return nil
        }
        let user = table.string(
            "user",
            required: true,
            expected: "a ClickHouse user name (letters, digits and _, not starting with a digit)",
            isValid: ValueFormats.isIdentifier
        )
        let password = decodeSecret("password", in: table)
        table.reportUnknownKeys()
        guard let user, let password else {
            return nil
        }
        return Environment.ClickHouse.Credentials(user: user, password: password)
    }
}
