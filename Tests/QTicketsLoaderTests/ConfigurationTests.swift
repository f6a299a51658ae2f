import ClickHouse
import EnvFile
import Foundation
import QTicketsLoader
import Testing

@Suite("Pipeline configuration")
struct ConfigurationTests {
    /// Secrets of the configurations under test, made at run time: none is written in the repository.
    static let token = "token-" + UUID().uuidString
    static let password = "password-" + UUID().uuidString

    static let valid: [String: String] = [
        "QTICKETS_BASE_URL": "https://qtickets.ru/api/rest/v1", "QTICKETS_TOKEN": token, "QTICKETS_SINCE_HOURS": "2",
        "ORG_NAME": "irs-prod", "CLICKHOUSE_HOST": "127.0.0.1", "CLICKHOUSE_PORT": "8123", "CLICKHOUSE_DB": "zakaz",
        "CLICKHOUSE_USER": "etl_writer", "CLICKHOUSE_PASSWORD": password,
    ]

    @Test("the seed's variables make a configuration")
    func validEnvironment() throws {
        let configuration = try PipelineConfiguration(environment: Self.valid)
        #expect(configuration.sinceHours == 2)
        #expect(configuration.clickhouse.url.absoluteString == "http://127.0.0.1:8123")
        #expect(configuration.clickhouse.database == "zakaz")
        #expect(configuration.job == "qtickets_api")
    }

    @Test("the original pipeline's aliases are accepted")
    func aliases() throws {
        var environment = Self.valid
        environment["QTICKETS_TOKEN"] = nil
        environment["QTICKETS_API_TOKEN"] = "other"
        environment["CLICKHOUSE_HOST"] = nil
        environment["CH_HOST"] = "localhost"
        let configuration = try PipelineConfiguration(environment: environment)
        #expect(configuration.apiToken == "other")
        #expect(configuration.clickhouse.url.host == "localhost")
    }

    @Test(
        "every bad variable is named, and no value is echoed",
        arguments: [
            ("QTICKETS_TOKEN", nil, "QTICKETS_TOKEN is not set"),
            (
                "QTICKETS_BASE_URL", "https://qtickets.ru/api/partners/v1",
                "QTICKETS_BASE_URL must end with /api/rest/v1"
            ),
            ("QTICKETS_BASE_URL", "qtickets.ru", "QTICKETS_BASE_URL is not an http(s) URL"),
            ("QTICKETS_SINCE_HOURS", "two", "QTICKETS_SINCE_HOURS must be a whole number"),
            ("CLICKHOUSE_HOST", "http://ch-zakaz:8123", "CLICKHOUSE_HOST must be a host name"),
            ("CLICKHOUSE_PORT", "9000", "native protocol port"),
            ("CLICKHOUSE_USER", nil, "CLICKHOUSE_USER is not set"),
            ("CLICKHOUSE_SECURE", "maybe", "CLICKHOUSE_SECURE must be true or false"),
        ] as [(String, String?, String)])
    func badVariables(variable: String, value: String?, expected: String) {
        var environment = Self.valid
        environment[variable] = value
        #expect {
            try PipelineConfiguration(environment: environment)
        } throws: { error in
            let text = "\(error)"
            return text.contains(expected)
                && (error as? ConfigurationError)?.problems.map(\.variable).contains(variable) == true
                && !text.contains(Self.token) && !text.contains(Self.password)
        }
    }

    @Test("all problems are reported at once")
    func allProblemsAtOnce() {
        #expect {
            try PipelineConfiguration(environment: [:])
        } throws: { error in
            let variables = Set((error as? ConfigurationError)?.problems.compactMap(\.variable) ?? [])
            return variables == [
                "QTICKETS_BASE_URL", "QTICKETS_TOKEN", "ORG_NAME", "CLICKHOUSE_HOST", "CLICKHOUSE_USER",
            ]
        }
    }

    @Test("env files: comments, export, quotes and escapes as systemd reads them")
    func environmentFile() throws {
        let file = try EnvironmentFile(
            path: "/etc/qtickets_api/qtickets_api.env",
            text: """
                # QTickets
                export QTICKETS_TOKEN="\(Self.token)\\"def"
                ORG_NAME='irs prod'
                ; comment
                CLICKHOUSE_HOST = 127.0.0.1

                """)
        #expect(
            file.values == [
                "QTICKETS_TOKEN": Self.token + "\"def", "ORG_NAME": "irs prod", "CLICKHOUSE_HOST": "127.0.0.1",
            ])
        #expect(file.lines["ORG_NAME"] == 3)
    }

    @Test("a broken env file names file, line and key but not the value")
    func brokenEnvironmentFile() {
        #expect {
            try EnvironmentFile(
                path: "/etc/qtickets_api/qtickets_api.env",
                text:
                    "QTICKETS_TOKEN=\(Self.token)\nsudo systemctl restart x\nCLICKHOUSE_PASSWORD='${CH_PASS}'\nORG_NAME=\"open\n"
            )
        } throws: { error in
            let text = "\(error)"
            return text.contains("qtickets_api.env:2: not a KEY=VALUE line")
                && text.contains("qtickets_api.env:3: CLICKHOUSE_PASSWORD")
                && text.contains("qtickets_api.env:4: ORG_NAME: the quote is not closed") && !text.contains(Self.token)
        }
    }

    @Test(
        "a secret with $ ` ' \" and spaces reads as systemd's EnvironmentFile= reads it: literally, nothing expanded or run"
    )
    func hostileSecretReadsLiterally() throws {
        let file = try EnvironmentFile(
            path: "/etc/qtickets_api/qtickets_api.env",
            text: "QTICKETS_TOKEN=a$b`c d'e\nCLICKHOUSE_PASSWORD='a$b`c d\"e'\nORG_NAME=\"q \\\" $x\"\n")
        #expect(file.values["QTICKETS_TOKEN"] == "a$b`c d'e")
        #expect(file.values["CLICKHOUSE_PASSWORD"] == "a$b`c d\"e")
        #expect(file.values["ORG_NAME"] == "q \" $x")
    }

    @Test(
        "the secrets verify hides are read as the loader reads the file: export, spaces, quotes, escapes, any case, digits; a file it refuses hides every value"
    )
    func secretValuesOfEveryForm() {
        let text = """
            export QTICKETS_TOKEN=tok-1
              CLICKHOUSE_PASSWORD = "pw \\"2\\""
            api_secret_3='s 3'
            DB_PASSWD2=p4
            API_KEY=k5
            ORG_NAME=museum
            CLICKHOUSE_HOST=127.0.0.1
            """
        #expect(EnvironmentFile.secretValues(in: text) == ["k5", "p4", "pw \"2\"", "s 3", "tok-1"])
        let broken = "QTICKETS_TOKEN='unclosed\nORG_NAME=\"quoted\"\nnot a line\n"
        #expect(Set(EnvironmentFile.secretValues(in: broken)).isSuperset(of: ["'unclosed", "quoted", "\"quoted\""]))
    }
}
