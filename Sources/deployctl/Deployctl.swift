import ArgumentParser
import Console
import Foundation

@main
struct Deployctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deployctl",
        abstract:
            "Deploys the QTickets → ClickHouse pipeline to Linux hosts over SSH, verifies it, and gates production on staging.",
        discussion: """
            Environments are TOML files in the environments folder (--env-dir), one per environment.

            Exit status: 0 success (warnings allowed); 1 a check, a migration or a remote command failed; 2 an \
            environment file, a migration file or a secret reference is invalid or names nothing; 3 a host or \
            ClickHouse could not be reached or authenticated; 4 another run holds the lock; 64 wrong usage. \
            `exec` passes on the worst remote exit status (255 when a host could not run the command).
            With --json every command prints exactly one JSON document (see the README, "JSON output").
            """,
        version: BuildInfo.versionLine,
        subcommands: [
            Env.self, Exec.self, Trust.self, Release.self, Setup.self, Secrets.self, Deploy.self, RollbackCommand.self,
            ReleasesCommand.self, VerifyCommand.self, GateCommand.self, Status.self, Audit.self, Migrate.self,
            Lock.self,
        ]
    )

    /// Parses with global options allowed before the subcommand, runs, and reports a usage error
    /// as a JSON envelope too when `--json` was given.
    static func main() async {
        let arguments = CommandTree.hoisted(Array(CommandLine.arguments.dropFirst()), root: Deployctl.self)
        do {
            var command = try parseAsRoot(arguments)
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch {
            let status = exitCode(for: error)
            if !(error is ExitCode), status != .success, CommandTree.wantsJSON(arguments) {
                let envelope = JSONEnvelope<NoResult>(
                    command: CommandTree.commandPath(arguments, root: Deployctl.self).joined(separator: " "),
                    result: nil,
                    error: .init(code: Verdict.usage.name, message: fullMessage(for: error)))
                print((try? envelope.text()) ?? "")
                Foundation.exit(status.rawValue)
            }
            exit(withError: error)
        }
    }
}
