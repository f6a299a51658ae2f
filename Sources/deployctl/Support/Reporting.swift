import ArgumentParser
import Console
import Deployer
import Environments
import Foundation
import Migrator
import SSH

extension GlobalOptions {
    /// Runs a command's work and reports it the one way every command does: with `--json` one
    /// envelope on standard output (result, and error when the verdict is not success), otherwise
    /// the output's text (on standard error when `textToStandardError`, for `exec`, whose standard
    /// output is the remote command's), or `error: …` for a failure. Exits with the verdict's status.
    func report<Output: CommandOutput>(
        _ command: String, textToStandardError: Bool = false, _ work: () async throws -> Output
    ) async throws {
        let output: Output
        do {
            output = try await work()
        } catch {
            let failure = Self.failure(from: error)
            if json {
                print(
                    try JSONEnvelope<NoResult>(
                        command: command, result: nil, error: .init(code: failure.code, message: failure.message)
                    ).text())
            } else {
                Terminal.printError(failure.message)
            }
            throw ExitCode(failure.verdict.exitStatus)
        }
        let verdict = output.verdict
        if json {
            let error =
                verdict.exitStatus == 0
                ? nil : JSONEnvelope<Output>.ErrorBody(code: verdict.name, message: output.failureSummary)
            print(try JSONEnvelope(command: command, result: output, error: error).text())
        } else {
            let text = output.render(terminal)
            if !text.isEmpty {
                if textToStandardError {
                    FileHandle.standardError.write(Data((text + "\n").utf8))
                } else {
                    print(text)
                }
            }
        }
        if verdict.exitStatus != 0 { throw ExitCode(verdict.exitStatus) }
    }

    /// The failure an error thrown by a command's work stands for.
    static func failure(from error: any Error) -> CommandFailure {
        switch error {
        case let failure as CommandFailure: failure
        case let error as MigratorError: error.failure
        case let error as ClickHouseAccessError: error.failure
        case let error as MigrationSetError: CommandFailure(.invalidConfiguration, "migrations", error.description)
        case let error as PipelineUnitsError: CommandFailure(.invalidConfiguration, "units", error.description)
        case let error as EnvironmentError: CommandFailure(.invalidConfiguration, "environment", error.description)
        case let error as SigningKeyError: CommandFailure(.invalidConfiguration, "signing_key", error.description)
        case let error as ValidationError: CommandFailure(.usage, nil, error.message)
        default: CommandFailure(.checkFailed, nil, "\(error)")
        }
    }

    /// Loads the environment `target` names, opens a session to its chosen hosts, runs `body`, and closes the session.
    func withSession<T>(_ target: EnvironmentOptions, _ body: (Environment, EnvironmentSession) async throws -> T)
        async throws -> T
    {
        let environment = try environment(target.environment)
        let session = await session(environment, hosts: try target.hosts(of: environment))
        defer { session.close() }
        return try await body(environment, session)
    }

    /// Opens a session to `hosts` (default: every host) of `environment`.
    func session(_ environment: Environment, hosts: [Environment.Host]? = nil) async -> EnvironmentSession {
        await EnvironmentSession.open(environment, hosts: hosts)
    }
}
