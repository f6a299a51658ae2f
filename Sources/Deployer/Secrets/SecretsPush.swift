import AuditTrail
import Console
import Environments
import Foundation
import HostScripts
import SSH

/// `deployctl secrets push <env> --from FILE`: puts the pipeline's env file on every host, checked
/// by the loader before it replaces anything, owned `root:<app user>` with mode 0640. Values are
/// never printed or logged; the audit log records the variable names.
public struct SecretsPush: Sendable {
    public let environment: Environment
    public let layout: HostLayout
    /// The local file.
    public let source: String

    public init(environment: Environment, source: String) {
        self.environment = environment
        self.layout = HostLayout(environment)
        self.source = source
    }

    /// Checks the file with the current release's loader on each host (or, on a host without a
    /// release yet, with `localBinary`, the loader of a local release, run here), then moves it into place.
    public func run(in session: EnvironmentSession, localBinary: String?, actor: String) async throws(CommandFailure)
        -> SecretsReport
    {
        guard let data = FileManager.default.contents(atPath: source) else {
            throw CommandFailure(.invalidConfiguration, "secrets", "cannot read \(source)")
        }
        let local = try localCheck(localBinary)
        let outcomes = await session.eachHost(
            concurrently: false,
            { host, connection in
                do throws(CommandFailure) {
                    return try await push(data, to: connection, local: local, actor: actor, session: session)
                } catch {
                    return EnvFileCheck.Outcome(
                        host: host.name, path: layout.envFile, ownership: nil, problems: [error.message], variables: [])
                }
            },
            unreachable: { host, failure in
                EnvFileCheck.Outcome(
                    host: host.name, path: layout.envFile, ownership: nil, problems: [failure.description],
                    variables: [])
            })
        return SecretsReport(environment: environment.name, pushed: true, hosts: outcomes)
    }

    /// The verdict of the local loader on the file, for hosts without a release of their own.
    private func localCheck(_ binary: String?) throws(CommandFailure) -> [String]? {
        guard let binary, FileManager.default.isExecutableFile(atPath: binary) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["check-config", "--env-file", source]
        process.environment = [:]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do {
            try process.run()
        } catch {
            return nil
        }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationStatus == 0 { return [] }
        return output.split(separator: "\n").map { $0.hasPrefix("problem: ") ? String($0.dropFirst(9)) : String($0) }
    }

    private func push(
        _ data: Data, to host: any RemoteHost, local: [String]?, actor: String, session: EnvironmentSession
    ) async throws(CommandFailure) -> EnvFileCheck.Outcome {
        let started = ContinuousClock.now
        let incoming = layout.envFileDirectory + "/.incoming-env-\(UUID().uuidString.prefix(8))"
        let script = HostScript(host: host)
        try await script.require(
            command: "install", "-d", "-m", "0750", "-o", "root", "-g", layout.user, layout.envFileDirectory,
            step: "preparing \(layout.envFileDirectory)")
        do throws(SSHError) {
            _ = try await host.upload(data, to: incoming, mode: 0o600, timeout: .seconds(60))
        } catch {
            throw CommandFailure(.unreachable, "ssh", "\(host.label): uploading the env file: \(error)")
        }
        // The loader checks it as the app user, who reads it through its group, as it will read the real one.
        try await script.require(
            command: "chown", "root:" + layout.user, incoming, step: "handing the upload to \(layout.user)'s group")
        try await script.require(command: "chmod", "0640", incoming, step: "making the upload 0640")
        let current = layout.current + "/" + ReleaseBundle.binaryPath
        let hasRelease = (try? await script.run(command: "test", "-x", current).succeeded) ?? false
        var outcome: EnvFileCheck.Outcome
        if hasRelease {
            // The upload is root:<user> 0640 in a 0750 folder, so only the loader's verdict can fail here.
            outcome = try await EnvFileCheck(layout: layout).run(on: host, binary: current, path: incoming)
        } else if let local {
            outcome = EnvFileCheck.Outcome(
                host: host.label, path: layout.envFile, ownership: nil, problems: local, variables: Self.names(in: data)
            )
        } else {
            outcome = EnvFileCheck.Outcome(
                host: host.label, path: layout.envFile, ownership: nil,
                problems: [
                    "no release on the host and no local release to check the file with: `deployctl release build` first"
                ],
                variables: [])
        }
        guard outcome.ok else {
            _ = try? await script.run(command: "rm", "-f", incoming)
            return outcome
        }
        try await script.require(
            .envFileInstall, [incoming, layout.envFile, layout.user], step: "moving the env file into place")
        let record = AuditRecord(
            command: "secrets push", environment: environment.name, host: host.label, actor: actor, release: nil,
            result: "ok",
            seconds: started.duration(to: .now).secondsValue,
            changes: [
                "\(layout.envFile) replaced: \(outcome.variables.count) variable(s) \(outcome.variables.joined(separator: ", "))"
            ])
        try await AuditLog(layout: layout, database: environment.clickhouse.stateDatabase).append(
            record, on: host, clickhouse: try? await session.clickhouse(as: .admin))
        return EnvFileCheck.Outcome(
            host: host.label, path: layout.envFile, ownership: "root \(layout.user) 640", problems: [],
            variables: outcome.variables)
    }

    /// The variable names of a KEY=VALUE file.
    static func names(in data: Data) -> [String] {
        String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.hasPrefix("#"), let equals = trimmed.firstIndex(of: "=") else { return nil }
            let key = trimmed[..<equals].replacingOccurrences(of: "export ", with: "").trimmingCharacters(
                in: .whitespaces)
            return key.isEmpty ? nil : key
        }
    }
}
