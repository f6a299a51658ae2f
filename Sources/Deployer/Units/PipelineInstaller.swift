import Console
import Environments
import Foundation
import HostScripts
import SSH

/// Where the pipeline lives on a host and who runs it.
public struct HostLayout: Sendable, Equatable {
    /// Releases go to `<root>/releases/<id>`; `<root>/current` points at the live one.
    public var root: String
    /// The system user the units run as.
    public var user: String
    /// The loader's env file (its folder group `user`, not readable by others).
    public var envFile: String
    /// Where unit files are installed.
    public var unitsDirectory: String

    public init(root: String, user: String, envFile: String, unitsDirectory: String) {
        self.root = root
        self.user = user
        self.envFile = envFile
        self.unitsDirectory = unitsDirectory
    }

    /// The paths and account the shipped units in `systemd/` refer to when no drop-in changes them.
    public static let shipped = HostLayout(
        root: "/opt/qtickets_api", user: "qtickets", envFile: "/etc/qtickets_api/qtickets_api.env",
        unitsDirectory: "/etc/systemd/system")

    /// What an environment file says: `[app] root`, `user`, `env_file` and `[systemd] units_dir`.
    public init(_ environment: Environment) {
        self.init(
            root: environment.app.root, user: environment.app.user, envFile: environment.app.envFile,
            unitsDirectory: environment.systemd.unitsDirectory)
    }

    public func releaseDirectory(_ release: String) -> String { "\(root)/releases/\(release)" }
    public var releases: String { "\(root)/releases" }
    public var current: String { "\(root)/current" }
    /// What outlives releases: the audit log, the deploy lock, the allowed signers.
    public var shared: String { "\(root)/shared" }
    public var envFileDirectory: String { (envFile as NSString).deletingLastPathComponent }
    public var auditLog: String { shared + "/audit.jsonl" }
    public var lockFile: String { shared + "/deploy.lock" }
    public var allowedSigners: String { shared + "/allowed_signers" }
    /// The content of the releases' files, one file per SHA-256 (`objects/ab/cdef…`), hard-linked into `releases/<id>/`.
    public var objects: String { shared + "/objects" }
    /// The drop-in deployctl writes for `unit`.
    public func dropIn(for unit: String) -> String { "\(unitsDirectory)/\(DropInFile.path(for: unit))" }
    public func unitPath(_ unit: String) -> String { "\(unitsDirectory)/\(unit)" }
}

/// The steps that put the pipeline on a host: its account and folders, a release's files, the
/// units, and the switch of `current` followed by systemd picking the units up.
public struct PipelineInstaller: Sendable {
    public let layout: HostLayout
    public let units: PipelineUnits

    public init(layout: HostLayout = .shipped, units: PipelineUnits) {
        self.layout = layout
        self.units = units
    }

    /// Creates the system user (no login shell) and the config folder, if missing.
    public func prepare(on host: any RemoteHost) async throws(CommandFailure) {
        try await run(
            .pipelinePrepare, [layout.user, layout.envFileDirectory], on: host,
            step: "preparing the account and folders")
    }

    /// Uploads the loader binary and the `RELEASE` file into the release's folder; returns that folder.
    @discardableResult
    public func install(release: String, binary: String, on host: any RemoteHost) async throws(CommandFailure) -> String
    {
        let directory = layout.releaseDirectory(release)
        do throws(SSHError) {
            _ = try await host.upload(
                file: binary, to: directory + "/bin/qtickets-api", mode: 0o755, timeout: .seconds(3600))
            _ = try await host.upload(Data((release + "\n").utf8), to: directory + "/RELEASE", mode: 0o644)
        } catch {
            throw CommandFailure(.checkFailed, "install", "\(host.label): uploading release \(release): \(error)")
        }
        return directory
    }

    /// Uploads every unit file to the units folder.
    public func installUnits(on host: any RemoteHost) async throws(CommandFailure) {
        for name in units.names {
            do throws(SSHError) {
                _ = try await host.upload(
                    file: units.path(of: name), to: layout.unitsDirectory + "/" + name, mode: 0o644,
                    timeout: .seconds(600))
            } catch {
                throw CommandFailure(.checkFailed, "install", "\(host.label): installing \(name): \(error)")
            }
        }
    }

    /// Points `current` at `release` (a new link under a temporary name, then rename), reloads
    /// systemd and starts `timers`.
    public func activate(release: String, on host: any RemoteHost, starting timers: [String])
        async throws(CommandFailure)
    {
        try await run(
            .pipelineActivate, [layout.current, layout.releaseDirectory(release)] + timers, on: host,
            step: "switching to release \(release)")
    }

    private func run(_ script: HostScriptSource, _ arguments: [String], on host: any RemoteHost, step: String)
        async throws(CommandFailure)
    {
        let result: CommandResult
        do throws(SSHError) {
            result = try await host.run(script.commandLine(arguments), options: .init(timeout: .seconds(120)))
        } catch {
            throw CommandFailure(.unreachable, "ssh", "\(host.label): \(step): \(error)")
        }
        guard result.succeeded else {
            throw CommandFailure(
                .checkFailed, "install",
                "\(host.label): \(step) failed (\(result.outcome)): \(result.stderrText)\(result.stdoutText)")
        }
    }
}
