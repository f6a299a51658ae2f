import Environments
import Foundation
import Testing

/// One malformed document and every line of the error it must produce.
struct MalformedCase: Sendable, CustomTestStringConvertible {
    var name: String
    var document: EnvironmentDocument
    var expected: [String]

    var testDescription: String { name }
}

@Suite("Malformed environment files are reported with file, line, key path and a fix")
struct EnvironmentErrorTests {
    static let file = EnvironmentDocument.sourcePath
    static let minimal = EnvironmentDocument.minimal
    /// A literal secret written into a document under test, made at run time.
    static let literalSecret = "pw" + UUID().uuidString.prefix(8)
    static let literalNumber = String(Int.random(in: 10_000_000...99_999_999))
    static let secretForms =
        #"{ env = "VAR" } (a variable on the workstation), { file = "~/path" } (a file on the workstation) or { remote_file = "/absolute/path" } (a file on the host)"#

    static let cases: [MalformedCase] = [
        MalformedCase(
            name: "TOML syntax error keeps TOMLKit's line and column",
            document: minimal.replacing(line: 12, with: #"user = "etl"#),
            expected: [
                "\(file):12:12: invalid TOML: error while parsing string: unescaped control characters other than TAB (U+0009) are explicitly prohibited"
            ]
        ),
        MalformedCase(
            name: "missing required key points at its table's header",
            document: minimal.removing(line: 11),
            expected: [
                "\(file):10:1: app.root: missing required key, expected an absolute path on the host (letters, digits, / _ . - + @; no spaces, quotes, %, $ or backslashes, no . or .. parts)"
            ]
        ),
        MalformedCase(
            name: "missing root key points at line 1",
            document: minimal.removing(line: 1),
            expected: [#"\#(file):1:1: role: missing required key, expected "staging" or "production""#]
        ),
        MalformedCase(
            name: "missing table",
            document: EnvironmentDocument(lines: Array(minimal.lines[0..<13])),
            expected: ["\(file):1:1: clickhouse: missing required key, expected a [clickhouse] table"]
        ),
        MalformedCase(
            name: "wrong type",
            document: minimal.inserting(#"http_port = "8123""#, after: 17),
            expected: [
                #"\#(file):18:1: clickhouse.http_port: expected an integer in 1...65535, found "8123" (a string)"#
            ]
        ),
        MalformedCase(
            name: "unknown top-level key suggests the nearest one",
            document: minimal.inserting(#"descripton = "Staging""#, after: 1),
            expected: ["\(file):2:1: descripton: unknown key 'descripton' — did you mean 'description'?"]
        ),
        MalformedCase(
            name: "unknown nested key suggests the nearest one",
            document: minimal.inserting(#"identityfile = "~/.ssh/id_ed25519""#, after: 4),
            expected: ["\(file):5:1: ssh.identityfile: unknown key 'ssh.identityfile' — did you mean 'identity_file'?"]
        ),
        MalformedCase(
            name: "unknown key in the second host",
            document: minimal.inserting(
                "\n[[hosts]]\nname = \"museshow-2\"\naddress = \"203.0.113.11\"\nprot = 2222", after: 8),
            expected: ["\(file):13:1: hosts[1].prot: unknown key 'hosts[1].prot' — did you mean 'port'?"]
        ),
        MalformedCase(
            name: "unknown key without a close match lists the known ones",
            document: minimal.inserting(#"colour = "blue""#, after: 13),
            expected: [
                "\(file):14:1: app.colour: unknown key 'app.colour'; known keys here: root, user, env_file, keep_releases, trusted_release_keys, loader_hosts"
            ]
        ),
        MalformedCase(
            name: "literal password is refused",
            document: minimal.replacing(line: 21, with: "password = \"\(literalSecret)\""),
            expected: [
                "\(file):21:1: clickhouse.admin.password: secrets must be references, not literal values; write password = one of \(secretForms)"
            ]
        ),
        MalformedCase(
            name: "empty secret reference",
            document: minimal.replacing(line: 25, with: "password = {}"),
            expected: [
                "\(file):25:1: clickhouse.writer.password: a secret reference takes exactly one of env, file or remote_file, found none"
            ]
        ),
        MalformedCase(
            name: "secret reference with two sources",
            document: minimal.replacing(
                line: 25, with: #"password = { env = "CH_WRITER_PASSWORD", remote_file = "/opt/secret" }"#),
            expected: [
                "\(file):25:1: clickhouse.writer.password: a secret reference takes exactly one of env, file or remote_file, found env and remote_file"
            ]
        ),
        MalformedCase(
            name: "typo inside an inline secret reference is placed at its column",
            document: minimal.replacing(line: 21, with: #"password = { enb = "CH_ADMIN_PASSWORD" }"#),
            expected: [
                "\(file):21:1: clickhouse.admin.password: a secret reference takes exactly one of env, file or remote_file, found none",
                "\(file):21:14: clickhouse.admin.password.enb: unknown key 'clickhouse.admin.password.enb' — did you mean 'env'?",
            ]
        ),
        MalformedCase(
            name: "remote secret file must be absolute",
            document: minimal.replacing(line: 25, with: #"password = { remote_file = "secrets/ch" }"#),
            expected: [
                #"\#(file):25:14: clickhouse.writer.password.remote_file: expected an absolute path on the host (letters, digits, / _ . - + @; no spaces, quotes, %, $ or backslashes, no . or .. parts), found "secrets/ch""#
            ]
        ),
        MalformedCase(
            name: "systemd runtime with a container",
            document: minimal.inserting(#"container = "ch-zakaz""#, after: 17),
            expected: [
                #"\#(file):18:1: clickhouse.container: 'container' only applies to runs_as = "docker"; remove it, or set runs_as = "docker" and remove 'unit'"#
            ]
        ),
        MalformedCase(
            name: "docker runtime with a unit and no container",
            document: minimal.replacing(line: 16, with: #"runs_as = "docker""#),
            expected: [
                #"\#(file):15:1: clickhouse.container: missing required key, expected the Docker container that runs ClickHouse when runs_as = "docker", such as "ch-zakaz""#,
                #"\#(file):17:1: clickhouse.unit: 'unit' only applies to runs_as = "systemd"; remove it, or set runs_as = "systemd" and remove 'container'"#,
            ]
        ),
        MalformedCase(
            name: "clickhouse.host names no host",
            document: minimal.inserting(#"host = "musehsow""#, after: 15),
            expected: [
                #"\#(file):16:1: clickhouse.host: no [[hosts]] entry is named 'musehsow'; ClickHouse runs on one of: museshow"#
            ]
        ),
        MalformedCase(
            name: "unit must be a service",
            document: minimal.replacing(line: 17, with: #"unit = "clickhouse-server""#),
            expected: [
                #"\#(file):17:1: clickhouse.unit: expected a systemd service name ending in .service, found "clickhouse-server""#
            ]
        ),
        MalformedCase(
            name: "a unit name starting with - is refused (it would be an option to systemctl)",
            document: minimal.replacing(line: 17, with: #"unit = "--now.service""#),
            expected: [
                #"\#(file):17:1: clickhouse.unit: expected a systemd service name ending in .service, found "--now.service""#
            ]
        ),
        MalformedCase(
            name: "port out of range",
            document: minimal.inserting("port = 70000", after: 8),
            expected: ["\(file):9:1: hosts[0].port: expected an integer in 1...65535, found 70000"]
        ),
        MalformedCase(
            name: "relative app root",
            document: minimal.replacing(line: 11, with: #"root = "opt/zakaz_dashboard""#),
            expected: [
                #"\#(file):11:1: app.root: expected an absolute path on the host (letters, digits, / _ . - + @; no spaces, quotes, %, $ or backslashes, no . or .. parts), found "opt/zakaz_dashboard""#
            ]
        ),
        MalformedCase(
            name: "app running as root",
            document: minimal.replacing(line: 12, with: #"user = "root""#),
            expected: ["\(file):12:1: app.user: the pipeline must run as an unprivileged system user, not root"]
        ),
        MalformedCase(
            name: "production without a gate",
            document: minimal.replacing(line: 1, with: #"role = "production""#),
            expected: [
                #"\#(file):1:1: gate: role = "production" requires a [gate] table naming the staging environment whose E2E report must pass first, such as require_passed_on = "museshow""#
            ]
        ),
        MalformedCase(
            name: "gate naming its own environment",
            document: minimal.replacing(line: 1, with: #"role = "production""#).appending(
                "\n[gate]\nrequire_passed_on = \"museshow\""),
            expected: [
                "\(file):28:1: gate.require_passed_on: a gate cannot require its own environment 'museshow'; name the staging environment where releases are verified first"
            ]
        ),
        MalformedCase(
            name: "malformed host key",
            document: minimal.inserting(#"host_key = "SHA256:tooShort""#, after: 8),
            expected: [
                #"\#(file):9:1: hosts[0].host_key: expected an OpenSSH fingerprint, "SHA256:" followed by 43 base64 characters as printed by ssh-keygen -lf, found "SHA256:tooShort""#
            ]
        ),
        MalformedCase(
            name: "duplicate host name and address",
            document: minimal.inserting("\n[[hosts]]\nname = \"museshow\"\naddress = \"203.0.113.10\"", after: 8),
            expected: [
                "\(file):11:1: hosts[1].name: duplicate host name 'museshow', already used by hosts[0] on line 6",
                "\(file):12:1: hosts[1].address: hosts[0] on line 6 already connects to 203.0.113.10:22; each host must be a different machine",
            ]
        ),
        MalformedCase(
            name: "same address on another port is a different host",
            document: minimal.inserting(
                "\n[[hosts]]\nname = \"museshow-2\"\naddress = \"203.0.113.10\"\nport = 22", after: 8),
            expected: [
                "\(file):12:1: hosts[1].address: hosts[0] on line 6 already connects to 203.0.113.10:22; each host must be a different machine"
            ]
        ),
        MalformedCase(
            name: "bad host address",
            document: minimal.replacing(line: 8, with: #"address = "203.0.113.300""#),
            expected: [
                #"\#(file):8:1: hosts[0].address: expected a DNS name, IPv4 or IPv6 address, found "203.0.113.300""#
            ]
        ),
        MalformedCase(
            name: "bad host name",
            document: minimal.replacing(line: 7, with: #"name = "Muse Show""#),
            expected: [
                #"\#(file):7:1: hosts[0].name: expected a host name of lowercase letters, digits and hyphens, found "Muse Show""#
            ]
        ),
        MalformedCase(
            name: "user missing from both ssh and host",
            document: minimal.removing(line: 4),
            expected: [
                "\(file):5:1: hosts[0].user: missing required key, expected a user name here, in [ssh], or User in ssh_config"
            ]
        ),
        MalformedCase(
            name: "hosts written as a single table",
            document: minimal.replacing(line: 6, with: "[hosts]"),
            expected: ["\(file):6:1: hosts: expected one or more [[hosts]] tables, found a table"]
        ),
        MalformedCase(
            name: "database must be an identifier",
            document: minimal.inserting(#"database = "zakaz-prod""#, after: 17),
            expected: [
                #"\#(file):18:1: clickhouse.database: expected a ClickHouse identifier (letters, digits and _, not starting with a digit), found "zakaz-prod""#
            ]
        ),
        MalformedCase(
            name: "deployctl's bookkeeping must not share the pipeline's database",
            document: minimal.inserting(#"state_database = "zakaz""#, after: 17),
            expected: [
                "\(file):18:1: clickhouse.state_database: state_database (default 'deployctl') must differ from database ('zakaz'): the pipeline's account writes that database, and deployctl's migration history, locks, audit copy and verification records must be out of its reach"
            ]
        ),
        MalformedCase(
            name: "a pipeline database named like deployctl's default",
            document: minimal.inserting(#"database = "deployctl""#, after: 17),
            expected: [
                "\(file):18:1: clickhouse.database: state_database (default 'deployctl') must differ from database ('deployctl'): the pipeline's account writes that database, and deployctl's migration history, locks, audit copy and verification records must be out of its reach"
            ]
        ),
        MalformedCase(
            name: "writer must differ from admin",
            document: minimal.replacing(line: 24, with: #"user = "admin""#),
            expected: [
                "\(file):24:1: clickhouse.writer.user: the writer must be a different ClickHouse user than clickhouse.admin.user ('admin'), so that the pipeline cannot change the schema"
            ]
        ),
        MalformedCase(
            name: "timeout out of range",
            document: minimal.inserting("connect_timeout_seconds = 0", after: 4),
            expected: ["\(file):5:1: ssh.connect_timeout_seconds: expected an integer in 1...300, found 0"]
        ),
        MalformedCase(
            name: "boolean written as a string",
            document: minimal.inserting(#"use_agent = "yes""#, after: 4),
            expected: [#"\#(file):5:1: ssh.use_agent: expected true or false, found "yes" (a string)"#]
        ),
        MalformedCase(
            name: "home directory of another user",
            document: minimal.inserting(#"identity_file = "~deploy/.ssh/id""#, after: 4),
            expected: [
                #"\#(file):5:1: ssh.identity_file: expected a path on the workstation: absolute, relative to this file, or starting with ~/, found "~deploy/.ssh/id""#
            ]
        ),
        MalformedCase(
            name: "unknown key in [notify] suggests the nearest one",
            document: minimal.appending(
                "\n[notify]\nwebhook_url = \"https://hooks.example.invalid/deploy\"\ntimout_seconds = 5"),
            expected: [
                "\(file):29:1: notify.timout_seconds: unknown key 'notify.timout_seconds' — did you mean 'timeout_seconds'?"
            ]
        ),
        MalformedCase(
            name: "a webhook URL must be http or https",
            document: minimal.appending("\n[notify]\nwebhook_url = \"ftp://hooks.example.invalid/deploy\""),
            expected: [
                #"\#(file):28:1: notify.webhook_url: expected an http:// or https:// URL, found "ftp://hooks.example.invalid/deploy""#
            ]
        ),
        MalformedCase(
            name: "a Telegram API URL without a host",
            document: minimal.appending(
                "\n[notify]\ntelegram_token = { env = \"TG\" }\ntelegram_chat_id = 42\ntelegram_api_url = \"https:///bot\""
            ),
            expected: [
                #"\#(file):30:1: notify.telegram_api_url: expected an http:// or https:// URL, found "https:///bot""#
            ]
        ),
        MalformedCase(
            name: "a Telegram token without a chat id",
            document: minimal.appending("\n[notify]\ntelegram_token = { env = \"DEPLOYCTL_TELEGRAM_TOKEN\" }"),
            expected: [
                "\(file):28:1: notify.telegram_chat_id: telegram_token needs telegram_chat_id, the chat the bot writes to"
            ]
        ),
        MalformedCase(
            name: "a Telegram chat id without a token",
            document: minimal.appending("\n[notify]\ntelegram_chat_id = \"@deploys\""),
            expected: [
                #"\#(file):28:1: notify.telegram_token: telegram_chat_id needs telegram_token, a reference to the bot's token such as { env = "DEPLOYCTL_TELEGRAM_TOKEN" }"#
            ]
        ),
        MalformedCase(
            name: "a literal Telegram token is refused",
            document: minimal.appending("\n[notify]\ntelegram_token = \"\(literalSecret)\"\ntelegram_chat_id = 42"),
            expected: [
                "\(file):28:1: notify.telegram_token: secrets must be references, not literal values; write telegram_token = one of \(secretForms)"
            ]
        ),
        MalformedCase(
            name: "a Telegram token on the host is refused",
            document: minimal.appending(
                "\n[notify]\ntelegram_token = { remote_file = \"/etc/tg\" }\ntelegram_chat_id = 42"),
            expected: [
                #"\#(file):28:1: notify.telegram_token: the workstation sends the message, so it reads the token: write { env = "VAR" } or { file = "~/path" }"#
            ]
        ),
        MalformedCase(
            name: "a chat id of the wrong type",
            document: minimal.appending("\n[notify]\ntelegram_token = { env = \"TG\" }\ntelegram_chat_id = true"),
            expected: [
                #"\#(file):29:1: notify.telegram_chat_id: expected a Telegram chat: its numeric id, or "@channel", found true (a boolean)"#
            ]
        ),
        MalformedCase(
            name: "a notification timeout out of range",
            document: minimal.appending(
                "\n[notify]\nwebhook_url = \"https://hooks.example.invalid/deploy\"\ntimeout_seconds = 61"),
            expected: ["\(file):29:1: notify.timeout_seconds: expected an integer in 1...60, found 61"]
        ),
        MalformedCase(
            name: "a [notify] table without a channel",
            document: minimal.appending("\n[notify]\ntimeout_seconds = 5"),
            expected: [
                "\(file):27:1: notify: [notify] names no channel; add webhook_url, or telegram_token with telegram_chat_id"
            ]
        ),
        MalformedCase(
            name: "a Telegram API URL alone",
            document: minimal.appending("\n[notify]\ntelegram_api_url = \"http://127.0.0.1:8081\""),
            expected: [
                "\(file):27:1: notify: [notify] names no channel; add webhook_url, or telegram_token with telegram_chat_id",
                "\(file):28:1: notify.telegram_api_url: telegram_api_url only applies with telegram_token and telegram_chat_id",
            ]
        ),
        MalformedCase(
            name: "several problems are all reported, sorted by line",
            document:
                minimal
                .replacing(line: 25, with: "password = \"\(literalSecret)\"")
                .replacing(line: 11, with: #"root = "relative""#)
                .inserting("port = 0", after: 8),
            expected: [
                "\(file):9:1: hosts[0].port: expected an integer in 1...65535, found 0",
                #"\#(file):12:1: app.root: expected an absolute path on the host (letters, digits, / _ . - + @; no spaces, quotes, %, $ or backslashes, no . or .. parts), found "relative""#,
                "\(file):26:1: clickhouse.writer.password: secrets must be references, not literal values; write password = one of \(secretForms)",
            ]
        ),
    ]

    @Test("each malformed file produces its exact message", arguments: cases)
    func malformedFile(_ testCase: MalformedCase) throws {
        let error = try #require(testCase.document.parseError())
        #expect(error.diagnostics.map(\.description) == testCase.expected)
        #expect(error.description == testCase.expected.joined(separator: "\n"))
    }

    @Test("a literal password is never echoed, whatever its type")
    func literalPasswordIsNotEchoed() throws {
        for literal in [
            "\"\(Self.literalSecret)\"", "'\(Self.literalSecret)'", "\"\"\"\(Self.literalSecret)\"\"\"",
            Self.literalNumber,
        ] {
            let document = Self.minimal.replacing(line: 21, with: "password = \(literal)")
            let error = try #require(document.parseError())
            #expect(error.code == .literalSecret)
            #expect(error.keyPath == "clickhouse.admin.password")
            #expect(!error.description.contains(Self.literalSecret))
            #expect(!error.description.contains(Self.literalNumber))
        }
    }

    @Test("a table defined twice is a syntax error at the second header")
    func redefinedTable() throws {
        let error = try #require(Self.minimal.inserting("[app]", after: 14).parseError())
        #expect(error.code == .syntax)
        #expect(error.keyPath == nil)
        #expect(
            error.description
                == "\(Self.file):15:1: invalid TOML: error while parsing table header: cannot redefine existing table 'app'"
        )
    }

    @Test("the first problem is exposed on the error itself")
    func firstProblemProperties() throws {
        let error = try #require(Self.minimal.inserting("port = 70000", after: 8).parseError())
        #expect(error.file == Self.file)
        #expect(error.line == 9)
        #expect(error.column == 1)
        #expect(error.keyPath == "hosts[0].port")
        #expect(error.code == .invalidValue)
        #expect(error.message == "expected an integer in 1...65535, found 70000")
    }

    @Test(
        "error codes tell the kind of problem",
        arguments: [
            (EnvironmentDocument.minimal.removing(line: 11), EnvironmentError.Code.missingKey),
            (EnvironmentDocument.minimal.inserting(#"http_port = "8123""#, after: 17), .wrongType),
            (EnvironmentDocument.minimal.inserting("colour = 1", after: 13), .unknownKey),
            (EnvironmentDocument.minimal.inserting("port = 0", after: 8), .invalidValue),
            (EnvironmentDocument.minimal.replacing(line: 21, with: "password = 1"), .literalSecret),
            (EnvironmentDocument.minimal.inserting(#"container = "ch""#, after: 17), .conflict),
            (EnvironmentDocument.minimal.replacing(line: 1, with: "role = "), .syntax),
        ]
    )
    func codes(document: EnvironmentDocument, code: EnvironmentError.Code) throws {
        let error = try #require(document.parseError())
        #expect(error.code == code)
    }
}
