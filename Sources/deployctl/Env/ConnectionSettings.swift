import Console
import Environments
import Foundation

/// The connection settings a host or jump host ends up with, as `env show` prints them.
protocol ResolvedConnection {
    var address: String { get }
    var port: Int { get }
    var user: String { get }
    var identityFiles: [String] { get }
    var useAgent: Bool { get }
    var knownHostsFile: String { get }
    var connectTimeout: Duration { get }
    var keepalive: Duration { get }
    var origins: Environment.Host.SettingOrigins { get }
}

extension Environment.Host: ResolvedConnection {}
extension Environment.Host.Jump: ResolvedConnection {}

/// How every chosen host of an environment is reached, each value with where it came from (a line
/// of the environment file or of an ssh_config file, or deployctl's default): `env show`, and the
/// `ssh` part of `env check`.
struct ConnectionSettings: CommandOutput {
    /// One effective value.
    struct Setting: Sendable, Encodable {
        let name: String
        let value: String
        let origin: Environment.Origin
    }

    /// A jump host in front of a host.
    struct Hop: Sendable, Encodable {
        /// 1 for the first, reached directly.
        let jumpHost: Int
        /// As the `jump` or `ProxyJump` value wrote it.
        let name: String
        let settings: [Setting]
    }

    /// One host.
    struct HostSettings: Sendable, Encodable {
        let host: String
        /// The ssh_config alias the environment file named, when HostName replaced it.
        let alias: String?
        let settings: [Setting]
        let jumps: [Hop]
    }

    let environment: String
    /// The ssh_config files read, included ones too; nil when `[ssh] config = false`.
    let sshConfigFiles: [String]?
    /// ssh_config keywords that applied but that deployctl does not use, each once.
    let ignored: [Environment.SSHConfigUse.IgnoredKeyword]
    /// Whether `render` lists `ignored` (`-v`) or only counts them.
    let verbose: Bool
    let hosts: [HostSettings]

    enum CodingKeys: String, CodingKey { case environment, sshConfigFiles, ignored, hosts }

    init(_ environment: Environment, hosts: [Environment.Host], verbose: Bool) {
        self.environment = environment.name
        sshConfigFiles = environment.sshConfig?.files
        ignored = environment.sshConfig?.ignored ?? []
        self.verbose = verbose
        self.hosts = hosts.map { host in
            HostSettings(
                host: host.name, alias: host.alias,
                settings: Self.settings(of: host)
                    + [
                        Setting(
                            name: "jump",
                            value: host.jumps.isEmpty ? "none" : host.jumps.map(\.name).joined(separator: ","),
                            origin: host.origins[.jump])
                    ],
                jumps: host.jumps.enumerated().map { index, jump in
                    Hop(jumpHost: index + 1, name: jump.name, settings: Self.settings(of: jump))
                })
        }
    }

    private static func settings(of connection: some ResolvedConnection) -> [Setting] {
        let origins = connection.origins
        var settings = [
            Setting(name: "address", value: connection.address, origin: origins[.address]),
            Setting(name: "port", value: String(connection.port), origin: origins[.port]),
            Setting(name: "user", value: connection.user, origin: origins[.user]),
        ]
        for (index, file) in connection.identityFiles.enumerated() {
            let origin = index < origins.identityFiles.count ? origins.identityFiles[index] : origins[.identityFiles]
            settings.append(Setting(name: "identity_file", value: file, origin: origin))
        }
        settings += [
            Setting(name: "use_agent", value: connection.useAgent ? "yes" : "no", origin: origins[.useAgent]),
            Setting(name: "known_hosts", value: connection.knownHostsFile, origin: origins[.knownHostsFile]),
            Setting(
                name: "connect_timeout", value: seconds(connection.connectTimeout), origin: origins[.connectTimeout]),
            Setting(name: "keepalive", value: seconds(connection.keepalive), origin: origins[.keepalive]),
        ]
        return settings
    }

    private static func seconds(_ duration: Duration) -> String {
        "\(duration.components.seconds) s"
    }

    func render(_ terminal: Terminal) -> String {
        var lines: [String] = []
        for host in hosts {
            lines.append(terminal.bold(host.host) + (host.alias.map { terminal.dim("  alias \($0)") } ?? ""))
            lines.append(
                Terminal.table(host.settings.map { [$0.name, $0.value, terminal.dim(Self.shown($0.origin))] }))
            for hop in host.jumps {
                lines.append("  jump host \(hop.jumpHost) \(hop.name)")
                lines.append(
                    Terminal.table(
                        hop.settings.map { [$0.name, $0.value, terminal.dim(Self.shown($0.origin))] }, indent: "    "))
            }
        }
        lines += sshConfigLines(terminal)
        return lines.joined(separator: "\n")
    }

    /// Which ssh_config files were read, and what of them was ignored (listed with `-v`).
    func sshConfigLines(_ terminal: Terminal) -> [String] {
        guard let files = sshConfigFiles else { return [terminal.dim("ssh_config: not read ([ssh] config = false)")] }
        var lines = [
            terminal.dim(
                "ssh_config: " + (files.isEmpty ? "no file found" : files.map(Self.shown).joined(separator: ", ")))
        ]
        if verbose {
            lines += ignored.map { terminal.dim("ignored ssh_config keyword \($0.keyword) (\(Self.shown($0.origin)))") }
        } else if !ignored.isEmpty {
            lines.append(terminal.dim("\(ignored.count) ssh_config keyword(s) ignored; -v lists them"))
        }
        return lines
    }

    /// One line per host: each file that set values, with the values' names and lines, then the
    /// defaults, and the jump hosts; for `env check`, whose report shows the values themselves.
    func summaryLines(_ terminal: Terminal) -> [String] {
        hosts.map { host in
            var files: [String] = []
            var names: [String: [String]] = [:]
            for setting in host.settings {
                let file = setting.origin.file.map(Self.shown) ?? "default"
                if names[file] == nil { files.append(file) }
                names[file, default: []].append(setting.name + (setting.origin.line.map { ":\($0)" } ?? ""))
            }
            files.sort { ($0 == "default" ? 1 : 0) < ($1 == "default" ? 1 : 0) }
            let parts =
                files.map { "\($0): " + names[$0, default: []].joined(separator: " ") }
                + host.jumps.map { "jump host \($0.jumpHost) \($0.name)" }
            return terminal.dim("ssh \(host.host) from " + parts.joined(separator: "; "))
        }
    }

    /// An origin with the home folder written `~`.
    private static func shown(_ origin: Environment.Origin) -> String {
        shown(origin.description)
    }

    private static func shown(_ path: String) -> String {
        let home = ProcessInfo.processInfo.environment["HOME"] ?? ""
        guard !home.isEmpty, home != "/", path.hasPrefix(home + "/") else { return path }
        return "~" + path.dropFirst(home.count)
    }
}
