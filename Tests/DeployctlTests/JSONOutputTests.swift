import Foundation
import Testbed
import Testing

/// Every command with `--json`, on success and on failure, prints exactly one document: the
/// envelope `{schema, command, ok, result, error}`, with the exit status the README documents.
@Suite("deployctl --json: one envelope per command, success and failure")
struct JSONOutputTests {
    let environments: String
    let migrations = PipelineDatabase.migrationsDirectory

    init() throws {
        environments = try #require(try Testbed.current().environments, "the testbed writes environment files")
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let arguments: [String]
        let command: String
        let status: Int32
        /// For failures: how `error.code` starts.
        let code: String?

        var testDescription: String { "deployctl " + arguments.joined(separator: " ") + " → \(status)" }
    }

    static let cases: [Case] = [
        Case(arguments: ["env", "list"], command: "env list", status: 0, code: nil),
        Case(
            arguments: ["--env-dir", "/nonexistent", "env", "list"], command: "env list", status: 2,
            code: "invalid_configuration"),
        Case(arguments: ["env", "check", "museshow"], command: "env check", status: 0, code: nil),
        Case(
            arguments: ["env", "check", "nowhere"], command: "env check", status: 2,
            code: "invalid_configuration.environment_not_found"),
        Case(arguments: ["exec", "museshow", "--", "true"], command: "exec", status: 0, code: nil),
        Case(arguments: ["exec", "museshow", "--", "exit 3"], command: "exec", status: 3, code: "remote_failed"),
        Case(
            arguments: ["exec", "museshow", "--host", "nohost", "--", "true"], command: "exec", status: 64,
            code: "usage.host"),
        Case(arguments: ["exec", "museshow"], command: "exec", status: 64, code: "usage"),
        Case(arguments: ["trust", "museshow"], command: "trust", status: 0, code: nil),
        Case(arguments: ["trust", "nowhere"], command: "trust", status: 2, code: "invalid_configuration"),
        Case(arguments: ["migrate", "status", "museshow"], command: "migrate status", status: 0, code: nil),
        Case(
            arguments: ["migrate", "status", "nowhere"], command: "migrate status", status: 2,
            code: "invalid_configuration"),
        Case(arguments: ["migrate", "plan", "museshow"], command: "migrate plan", status: 0, code: nil),
        Case(
            arguments: ["migrate", "plan", "museshow", "--to", "x"], command: "migrate plan", status: 64, code: "usage"),
        Case(arguments: ["migrate", "up", "museshow", "--dry-run"], command: "migrate up", status: 0, code: nil),
        Case(arguments: ["migrate", "up", "nowhere"], command: "migrate up", status: 2, code: "invalid_configuration"),
        Case(
            arguments: ["migrate", "down", "museshow", "--steps", "1", "--dry-run"], command: "migrate down", status: 0,
            code: nil),
        Case(arguments: ["migrate", "down", "museshow"], command: "migrate down", status: 64, code: "usage"),
        Case(arguments: ["migrate", "lint"], command: "migrate lint", status: 0, code: nil),
        Case(
            arguments: ["migrate", "lint", "--migrations", "/nonexistent"], command: "migrate lint", status: 2,
            code: "invalid_configuration.migrations"),
        Case(arguments: ["migrate", "validate"], command: "migrate validate", status: 0, code: nil),
        Case(
            arguments: ["migrate", "validate", "--replay", "nowhere"], command: "migrate validate", status: 2,
            code: "invalid_configuration"),
        Case(
            arguments: ["migrate", "baseline", "nowhere", "--version", "1", "--reason", "r"],
            command: "migrate baseline", status: 2, code: "invalid_configuration"),
        Case(arguments: ["migrate", "baseline", "museshow"], command: "migrate baseline", status: 64, code: "usage"),
        Case(
            arguments: ["migrate", "repair", "museshow", "--version", "1", "--reason", "r"], command: "migrate repair",
            status: 64, code: "usage"),
        Case(
            arguments: ["migrate", "repair", "nowhere", "--version", "1", "--accept-checksum", "--reason", "r"],
            command: "migrate repair", status: 2, code: "invalid_configuration"),
        Case(arguments: ["lock", "status", "museshow"], command: "lock status", status: 0, code: nil),
        Case(
            arguments: ["lock", "status", "nowhere"], command: "lock status", status: 2, code: "invalid_configuration"),
        Case(
            arguments: ["lock", "break", "museshow", "--reason", "nothing to break"], command: "lock break", status: 0,
            code: nil),
        Case(arguments: ["lock", "break", "museshow"], command: "lock break", status: 64, code: "usage"),
        Case(arguments: ["release", "list"], command: "release list", status: 0, code: nil),
        Case(
            arguments: ["release", "build", "--signing-key", "/nonexistent/key"], command: "release build", status: 2,
            code: "invalid_configuration"),
        Case(
            arguments: ["release", "keygen", "--signing-key", "/dev/null"], command: "release keygen", status: 2,
            code: "invalid_configuration.signing_key"),
        Case(arguments: ["setup", "nowhere"], command: "setup", status: 2, code: "invalid_configuration"),
        Case(
            arguments: ["secrets", "check", "nowhere"], command: "secrets check", status: 2,
            code: "invalid_configuration"),
        Case(arguments: ["secrets", "push", "museshow"], command: "secrets push", status: 64, code: "usage"),
        Case(arguments: ["deploy", "nowhere"], command: "deploy", status: 2, code: "invalid_configuration"),
        Case(arguments: ["rollback", "museshow"], command: "rollback", status: 1, code: "check_failed.rollback"),
        Case(arguments: ["rollback", "museshow", "--allow-data-loss"], command: "rollback", status: 64, code: "usage"),
        Case(arguments: ["releases", "museshow"], command: "releases", status: 0, code: nil),
        Case(arguments: ["releases", "nowhere"], command: "releases", status: 2, code: "invalid_configuration"),
        Case(arguments: ["verify", "--list", "museshow"], command: "verify", status: 0, code: nil),
        Case(arguments: ["verify", "nowhere"], command: "verify", status: 2, code: "invalid_configuration"),
        Case(
            arguments: ["gate", "status", "museshow"], command: "gate status", status: 2, code: "invalid_configuration"),
        Case(arguments: ["status", "museshow"], command: "status", status: 0, code: nil),
        Case(arguments: ["status", "nowhere"], command: "status", status: 2, code: "invalid_configuration"),
        Case(arguments: ["audit", "museshow"], command: "audit", status: 0, code: nil),
        Case(
            arguments: ["audit", "verify", "nowhere"], command: "audit verify", status: 2, code: "invalid_configuration"
        ),
    ]

    @Test("exactly one JSON document on standard output", arguments: cases)
    func envelope(_ testCase: Case) throws {
        let arguments =
            testCase.arguments.contains("--env-dir")
            ? testCase.arguments : ["--env-dir", environments] + testCase.arguments
        let withFiles = ["migrate", "lock", "status"].contains(testCase.arguments.first ?? "")
        let run = try DeployctlRun(
            ["--json"] + arguments
                + (withFiles && !arguments.contains("--migrations") ? ["--migrations", migrations] : []))
        #expect(run.status == testCase.status, "\(run.stdout)\(run.stderr)")
        let envelope = try #require(run.envelope, "not one JSON object on stdout: \(run.stdout)")
        #expect(envelope["schema"] as? String == "deployctl/2")
        #expect(envelope["command"] as? String == testCase.command)
        #expect(envelope["ok"] as? Bool == (testCase.status == 0))
        if let code = testCase.code {
            let error = try #require(envelope["error"] as? [String: Any], "\(envelope)")
            #expect((error["code"] as? String)?.hasPrefix(code) == true, "\(error)")
            #expect((error["message"] as? String)?.isEmpty == false)
        } else {
            #expect(envelope["error"] is NSNull, "\(envelope)")
            #expect(envelope["result"] as? [String: Any] != nil, "\(envelope)")
        }
    }
}

@Suite("deployctl exit statuses: configuration problems are 2, failed checks 1, unreachable hosts 3")
struct ExitStatusTests {
    let environments: String

    init() throws {
        environments = try #require(try Testbed.current().environments, "the testbed writes environment files")
    }

    @Test(
        "a ClickHouse password that cannot be resolved is a configuration error naming the reference, not an unreachable host"
    )
    func unresolvablePassword() throws {
        let directory = try TemporaryDirectory("password")
        let variable = "DEPLOYCTL_TEST_UNSET_\(UInt32.random(in: 0..<UInt32.max))"
        let original = try String(contentsOfFile: environments + "/museshow.toml", encoding: .utf8)
        var inAdmin = false
        let rewritten = original.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            if line.hasPrefix("[") { inAdmin = line == "[clickhouse.admin]" }
            return inAdmin && line.hasPrefix("password") ? "password = { env = \"\(variable)\" }" : String(line)
        }.joined(separator: "\n")
        try directory.write(rewritten, to: "museshow.toml")
        let run = try DeployctlRun([
            "--env-dir", directory.path, "migrate", "status", "museshow", "--migrations",
            PipelineDatabase.migrationsDirectory,
        ])
        #expect(run.status == 2, "\(run.stdout)\(run.stderr)")
        #expect(run.stderr.contains("env:\(variable)") && run.stderr.contains("not set"), "\(run.stderr)")
        let json = try DeployctlRun([
            "--env-dir", directory.path, "--json", "lock", "status", "museshow", "--migrations",
            PipelineDatabase.migrationsDirectory,
        ])
        #expect((json.envelope?["error"] as? [String: Any])?["code"] as? String == "invalid_configuration.secret")
    }

    @Test("lint with error findings is a failed check (1); unreadable files are 2")
    func lintErrors() throws {
        let folder = try TemporaryDirectory("lint")
        try folder.write("DROP TABLE t;\n", to: "0001_drop.up.sql")
        try folder.write("SELECT 1;\n", to: "0001_drop.down.sql")
        let run = try DeployctlRun(["migrate", "lint", "--migrations", folder.path])
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("error:") && run.stdout.contains("findings: 1 error(s)"), "\(run.stdout)")
        try folder.write("SELECT 1;\n", to: "0002_orphan.down.sql")
        #expect(try DeployctlRun(["migrate", "lint", "--migrations", folder.path]).status == 2)
    }

    @Test("global options may stand anywhere before the subcommand's own arguments")
    func globalOptionsBeforeSubcommands() throws {
        for arguments in [
            [
                "--json", "--env-dir", environments, "migrate", "lint", "--migrations",
                PipelineDatabase.migrationsDirectory,
            ],
            ["migrate", "--json", "lint", "--migrations", PipelineDatabase.migrationsDirectory],
            ["--color=never", "migrate", "lint", "--json", "--migrations", PipelineDatabase.migrationsDirectory],
        ] {
            let run = try DeployctlRun(arguments)
            #expect(
                run.status == 0 && run.envelope?["command"] as? String == "migrate lint",
                "\(arguments): \(run.stdout)\(run.stderr)")
        }
        let version = try DeployctlRun(["--version"])
        #expect(version.status == 0 && version.stdout.hasPrefix("deployctl "), "\(version.stdout)")
    }
}
