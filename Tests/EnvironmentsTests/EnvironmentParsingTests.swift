import Environments
import Foundation
import Testing

@Suite("Valid environment files are resolved into complete environments")
struct EnvironmentParsingTests {
    static let fullDocument = #"""
        description = "Staging server used for E2E verification"
        role = "staging"

        [ssh]
        user = "etl"
        port = 2200
        identity_file = "~/.ssh/id_ed25519"
        identity_passphrase_env = "DEPLOYCTL_SSH_PASSPHRASE"
        use_agent = true
        known_hosts = "/etc/ssh/ssh_known_hosts"
        connect_timeout_seconds = 15
        keepalive_seconds = 0
        command_timeout_seconds = 1200

        [[hosts]]
        name = "museshow"
        address = "203.0.113.10"
        host_key = "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"

        [[hosts]]
        name = "museshow-replica"
        address = "2001:db8::20"
        port = 22
        user = "deploy"
        identity_file = "keys/replica"

        [app]
        root = "/opt/zakaz_dashboard"
        user = "etl"
        env_file = "/opt/zakaz_dashboard/secrets/.env.qtickets_api"

        [clickhouse]
        host = "museshow-replica"
        runs_as = "docker"
        container = "ch-zakaz"
        http_host = "localhost"
        http_port = 18123
        database = "zakaz_staging"
        cluster = "main"

        [clickhouse.admin]
        user = "admin"
        password = { file = "~/.config/deployctl/ch_admin" }

        [clickhouse.writer]
        user = "etl_writer"
        password = { remote_file = "/opt/zakaz_dashboard/secrets/ch_writer" }

        [systemd]
        scope = "system"
        units_dir = "/etc/systemd/system/deployctl"

        [gate]
        require_passed_on = "local"
        max_report_age_hours = 24
        """#

    @Test("every key of a full file is read")
    func fullFile() throws {
        let environment = try EnvironmentDocument.loader.parse(
            Self.fullDocument,
            name: "museshow",
            sourcePath: "/srv/project/environments/museshow.toml"
        )

        #expect(environment.name == "museshow")
        #expect(environment.sourcePath == "/srv/project/environments/museshow.toml")
        #expect(environment.description == "Staging server used for E2E verification")
        #expect(environment.role == .staging)

        let expectedHosts = [
            Environment.Host(
                name: "museshow",
                address: "203.0.113.10",
                port: 2200,
                user: "etl",
                identityFile: "/home/tester/.ssh/id_ed25519",
                identityPassphraseEnv: "DEPLOYCTL_SSH_PASSPHRASE",
                useAgent: true,
                knownHostsFile: "/etc/ssh/ssh_known_hosts",
                hostKeyFingerprint: "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU",
                connectTimeout: .seconds(15),
                keepalive: .zero,
                commandTimeout: .seconds(1200)
            ),
            Environment.Host(
                name: "museshow-replica",
                address: "2001:db8::20",
                port: 22,
                user: "deploy",
                identityFile: "/srv/project/environments/keys/replica",
                identityPassphraseEnv: "DEPLOYCTL_SSH_PASSPHRASE",
                useAgent: true,
                knownHostsFile: "/etc/ssh/ssh_known_hosts",
                hostKeyFingerprint: nil,
                connectTimeout: .seconds(15),
                keepalive: .zero,
                commandTimeout: .seconds(1200)
            ),
        ]
        #expect(environment.hosts == expectedHosts)

        #expect(
            environment.app
                == Environment.App(
                    root: "/opt/zakaz_dashboard",
                    user: "etl",
                    envFile: "/opt/zakaz_dashboard/secrets/.env.qtickets_api"
                ))
        #expect(
            environment.clickhouse
                == Environment.ClickHouse(
                    host: "museshow-replica",
                    runtime: .docker(container: "ch-zakaz"),
                    httpHost: "localhost",
                    httpPort: 18123,
                    database: "zakaz_staging",
                    cluster: "main",
                    admin: .init(user: "admin", password: .localFile("/home/tester/.config/deployctl/ch_admin")),
                    writer: .init(user: "etl_writer", password: .remoteFile("/opt/zakaz_dashboard/secrets/ch_writer"))
                ))
        #expect(environment.clickhouseHost.address == "2001:db8::20")
        #expect(
            environment.systemd == Environment.Systemd(scope: .system, unitsDirectory: "/etc/systemd/system/deployctl"))
        #expect(environment.gate == Environment.Gate(requirePassedOn: "local", maxReportAge: .seconds(24 * 3600)))
    }

    @Test("omitted optional keys take their documented defaults")
    func defaults() throws {
        let environment = try EnvironmentDocument.minimal.parse()

        #expect(environment.description == nil)
        #expect(environment.gate == nil)
        let host = try #require(environment.hosts.first)
        #expect(host.port == 22)
        #expect(host.user == "etl")
        #expect(host.identityFile == nil)
        #expect(host.identityPassphraseEnv == nil)
        #expect(host.useAgent)
        #expect(host.knownHostsFile == "/home/tester/.ssh/known_hosts")
        #expect(host.hostKeyFingerprint == nil)
        #expect(host.connectTimeout == .seconds(10))
        #expect(host.keepalive == .seconds(30))
        #expect(host.commandTimeout == .seconds(600))

        #expect(environment.clickhouse.host == "museshow", "the first host by default")
        #expect(environment.clickhouse.runtime == .systemd(unit: "clickhouse-server.service"))
        #expect(environment.clickhouse.httpHost == "127.0.0.1")
        #expect(environment.clickhouse.httpPort == 8123)
        #expect(environment.clickhouse.database == "zakaz")
        #expect(
            environment.clickhouse.stateDatabase == "deployctl", "bookkeeping in deployctl's own database by default")
        #expect(environment.clickhouse.cluster == nil)
        #expect(environment.clickhouse.admin == .init(user: "admin", password: .environment("CH_ADMIN_PASSWORD")))
        #expect(
            environment.clickhouse.writer == .init(user: "etl_writer", password: .environment("CH_WRITER_PASSWORD")))

        #expect(environment.systemd == Environment.Systemd(scope: .system, unitsDirectory: "/etc/systemd/system"))
    }

    @Test("the units directory defaults to the system manager's")
    func unitsDirectoryDefault() throws {
        let environment = try EnvironmentDocument.minimal.appending("\n[systemd]\nscope = \"system\"").parse()
        #expect(environment.systemd.unitsDirectory == "/etc/systemd/system")
    }

    @Test("scope = \"user\" is refused at its line, saying it is not supported, instead of being accepted and ignored")
    func userScopeIsRefused() throws {
        #expect {
            try EnvironmentDocument.minimal.appending("\n[systemd]\nscope = \"user\"").parse()
        } throws: { error in
            let text = "\(error)"
            return text.contains("systemd.scope") && text.contains("\"user\" is not supported")
        }
    }

    @Test(
        "a host path that would break a unit file or a script is refused at environment load with file, line and key",
        arguments: [
            (11, #"root = "/opt/zakaz dashboard""#, "app.root"), (11, #"root = "/opt/%h""#, "app.root"),
            (13, #"env_file = "/etc/x'y.env""#, "app.env_file"), (13, #"env_file = "/etc/x\"y.env""#, "app.env_file"),
            (11, #"root = "/opt/x\r""#, "app.root"), (11, #"root = "/opt/../etc""#, "app.root"),
            (11, #"root = "/opt/$HOME""#, "app.root"), (11, #"root = "/opt/a\\b""#, "app.root"),
            (26, "[systemd]\nunits_dir = \"~/.config/systemd/user\"", "systemd.units_dir"),
        ])
    func hostilePathIsRefusedAtLoad(line: Int, text: String, key: String) throws {
        let document =
            line > EnvironmentDocument.minimal.lines.count
            ? EnvironmentDocument.minimal.appending(text)
            : EnvironmentDocument.minimal.replacing(line: line, with: text)
        let where_ = "\(EnvironmentDocument.sourcePath):\(line > 25 ? line + 1 : line)"
        #expect {
            try document.parse()
        } throws: { error in
            let message = "\(error)"
            return message.contains(key) && message.contains(where_) && message.contains("no spaces, quotes, %")
        }
    }

    @Test("a gate defaults to a 72-hour report age")
    func gateDefaults() throws {
        let environment = try EnvironmentDocument.minimal
            .replacing(line: 1, with: #"role = "production""#)
            .appending("\n[gate]\nrequire_passed_on = \"museshow\"")
            .parse(name: "client-prod")
        #expect(environment.role == .production)
        #expect(environment.gate == Environment.Gate(requirePassedOn: "museshow", maxReportAge: .seconds(72 * 3600)))
    }

    @Test(
        "[deploy] is read; without it rollbacks undo reversible migrations, the watchdog waits 120 s and locks live 600 s"
    )
    func deployTable() throws {
        #expect(
            try EnvironmentDocument.minimal.parse().deploy
                == Environment.Deploy(rollbackMigrations: .reversible, watchdog: .seconds(120), lockTTL: .seconds(600)))
        let environment = try EnvironmentDocument.minimal
            .appending("\n[deploy]\nrollback_migrations = \"never\"\nwatchdog_seconds = 30\nlock_ttl_seconds = 90")
            .parse()
        #expect(
            environment.deploy
                == Environment.Deploy(rollbackMigrations: .never, watchdog: .seconds(30), lockTTL: .seconds(90)))
        let error = try #require(
            EnvironmentDocument.minimal.appending("\n[deploy]\nrollback_migrations = \"always\"").parseError())
        #expect(error.keyPath == "deploy.rollback_migrations")
        #expect(error.message == #"expected "reversible" or "never", found "always""#, "\(error.description)")
    }

    @Test("[notify] reads a webhook and a Telegram bot")
    func notify() throws {
        let environment = try EnvironmentDocument.minimal
            .appending(
                """

                [notify]
                webhook_url = "https://hooks.example.invalid/deployctl?team=etl"
                telegram_token = { env = "DEPLOYCTL_TELEGRAM_TOKEN" }
                telegram_chat_id = -1001234567890
                telegram_api_url = "http://127.0.0.1:8081"
                timeout_seconds = 3
                """
            )
            .parse()
        #expect(
            environment.notify
                == Environment.Notify(
                    webhookURL: URL(string: "https://hooks.example.invalid/deployctl?team=etl"),
                    telegram: .init(
                        token: .environment("DEPLOYCTL_TELEGRAM_TOKEN"), chatID: "-1001234567890",
                        apiURL: try #require(URL(string: "http://127.0.0.1:8081"))),
                    timeout: .seconds(3)
                ))
    }

    @Test("[notify] is optional; a Telegram bot alone uses the public Bot API and a 10-second timeout")
    func notifyDefaults() throws {
        #expect(try EnvironmentDocument.minimal.parse().notify == nil)
        let environment = try EnvironmentDocument.minimal
            .appending(
                "\n[notify]\ntelegram_token = { file = \"~/.config/deployctl/telegram\" }\ntelegram_chat_id = \"@deploys\""
            )
            .parse()
        let notify = try #require(environment.notify)
        #expect(notify.webhookURL == nil)
        #expect(notify.timeout == .seconds(10))
        #expect(
            notify.telegram == .init(token: .localFile("/home/tester/.config/deployctl/telegram"), chatID: "@deploys"))
        #expect(notify.telegram?.apiURL.absoluteString == "https://api.telegram.org")
    }

    @Test("a host's own port, user and identity file override the [ssh] defaults")
    func perHostOverrides() throws {
        let environment = try EnvironmentDocument.minimal
            .inserting(#"identity_passphrase_env = "PASSPHRASE""#, after: 4)
            .inserting(
                """

                [[hosts]]
                name = "replica"
                address = "replica.example.com"
                port = 2222
                user = "deploy"
                identity_file = "/keys/replica"
                """,
                after: 9
            )
            .parse()

        let first = environment.hosts[0]
        #expect(first.name == "museshow")
        #expect(first.port == 22)
        #expect(first.user == "etl")
        #expect(first.identityFile == nil)
        #expect(first.useAgent)

        let second = environment.hosts[1]
        #expect(second.name == "replica")
        #expect(second.address == "replica.example.com")
        #expect(second.port == 2222)
        #expect(second.user == "deploy")
        #expect(second.identityFile == "/keys/replica")
        #expect(second.identityPassphraseEnv == "PASSPHRASE")
        // A host with its own key does not fall back to the agent unless [ssh] says so.
        #expect(!second.useAgent)
    }

    @Test("an explicit use_agent applies to every host")
    func explicitUseAgent() throws {
        let environment = try EnvironmentDocument.minimal
            .inserting("use_agent = false", after: 4)
            .parse()
        #expect(environment.hosts[0].identityFile == nil)
        #expect(!environment.hosts[0].useAgent)
    }

    @Test(
        "workstation paths expand ~ and resolve relative paths against the file's directory",
        arguments: [
            ("~", "/srv/project/environments/museshow.toml", "/home/tester"),
            ("~/.ssh/id_ed25519", "/srv/project/environments/museshow.toml", "/home/tester/.ssh/id_ed25519"),
            ("/etc/deploy/key", "/srv/project/environments/museshow.toml", "/etc/deploy/key"),
            ("keys/deploy", "/srv/project/environments/museshow.toml", "/srv/project/environments/keys/deploy"),
            ("./keys/deploy", "/srv/project/environments/museshow.toml", "/srv/project/environments/keys/deploy"),
            ("../keys/deploy", "/srv/project/environments/museshow.toml", "/srv/project/keys/deploy"),
            ("keys/deploy", "environments/museshow.toml", "/srv/project/environments/keys/deploy"),
            ("keys/deploy", "museshow.toml", "/srv/project/keys/deploy"),
        ]
    )
    func workstationPaths(written: String, sourcePath: String, resolved: String) throws {
        let environment = try EnvironmentDocument.minimal
            .inserting("identity_file = \"\(written)\"", after: 4)
            .replacing(line: 22, with: "password = { file = \"\(written)\" }")
            .parse(sourcePath: sourcePath)
        #expect(environment.hosts[0].identityFile == resolved)
        #expect(environment.clickhouse.admin.password == .localFile(resolved))
    }

    @Test(
        "host addresses may be DNS names, IPv4 or IPv6",
        arguments: ["203.0.113.10", "host.example.com", "museshow", "2001:db8::10", "::1", "db-1.internal."]
    )
    func hostAddresses(address: String) throws {
        let environment = try EnvironmentDocument.minimal.replacing(line: 8, with: "address = \"\(address)\"").parse()
        #expect(environment.hosts[0].address == address)
    }

    @Test(
        "malformed host addresses are refused",
        arguments: ["203.0.113.300", "1.2.3", "bad_host", "-leading.example.com", "2001:db8:::1", ""]
    )
    func badHostAddresses(address: String) throws {
        let error = try #require(
            EnvironmentDocument.minimal.replacing(line: 8, with: "address = \"\(address)\"").parseError())
        #expect(error.keyPath == "hosts[0].address")
        #expect(error.code == .invalidValue)
    }

    @Test(
        "host keys must look like OpenSSH SHA256 fingerprints",
        arguments: [
            ("SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU", true),
            ("SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", false),
            ("SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuF", false),
            ("SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV", false),
            ("sha256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU", false),
            ("MD5:d4:1d:8c:d9:8f:00:b2:04:e9:80:09:98:ec:f8:42:7e", false),
        ]
    )
    func hostKeyFormat(fingerprint: String, isValid: Bool) {
        let document = EnvironmentDocument.minimal.inserting("host_key = \"\(fingerprint)\"", after: 8)
        #expect((document.parseError() == nil) == isValid)
    }

    @Test("a relative source path is shown as given, and relative to the working directory for paths")
    func environmentLoadedFromRelativePath() throws {
        let environment = try EnvironmentDocument.minimal.parse(sourcePath: "environments/museshow.toml")
        #expect(environment.sourcePath == "environments/museshow.toml")
    }

    @Test("the static entry points use a default loader")
    func staticParse() throws {
        let environment = try Environment.parse(
            EnvironmentDocument.minimal.description,
            name: "museshow",
            sourcePath: "museshow.toml"
        )
        #expect(environment.name == "museshow")
    }
}
