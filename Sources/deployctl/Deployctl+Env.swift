import ArgumentParser
import Deployer
import Environments
import Foundation

extension Deployctl {
    struct Env: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List environments and check their hosts.",
            subcommands: [List.self, Check.self]
        )
    }
}

extension Deployctl.Env {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the environment files, with their role and hosts; broken files show their error.")

        @OptionGroup var global: GlobalOptions

        struct Row: Encodable {
            let name: String
            let role: String?
            let hosts: [String]
            let error: String?
        }

        func run() async throws {
            let entries: [EnvironmentCatalog.Entry]
            do {
                entries = try global.catalog.loadAll()
            } catch {
                Terminal.printError(error.description)
                throw ExitCode(ExitStatus.invalidEnvironment)
            }
            let rows = entries.map { entry -> Row in
                switch entry.result {
                case .success(let environment):
                    return Row(
                        name: entry.name, role: environment.role.rawValue,
                        hosts: environment.hosts.map { "\($0.name) (\($0.user)@\($0.address):\($0.port))" }, error: nil)
                case .failure(let error):
                    return Row(name: entry.name, role: nil, hosts: [], error: error.description)
                }
            }
            if global.json {
                try global.printJSON(rows)
            } else {
                let terminal = global.terminal
                let table = rows.map { row in
                    [terminal.bold(row.name), row.role ?? terminal.paint("invalid", "31"), row.error ?? row.hosts.joined(separator: ", ")]
                }
                print(Terminal.table(table, visibleWidth: Terminal.visibleWidth))
            }
            if rows.contains(where: { $0.error != nil }) { throw ExitCode(ExitStatus.invalidEnvironment) }
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Connect to every host of an environment and report OS, systemd, disk, ClickHouse and the pipeline's units.",
            discussion: "Exit status: 0 all ok or warnings only, 1 a check failed, 2 invalid environment, 3 a host unreachable.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The environment to check.")
        var environment: String

        func run() async throws {
            let environment = try global.environment(environment)
            let report = await EnvironmentCheck(environment: environment).run()
            if global.json {
                try global.printJSON(report)
            } else {
                print(render(report))
            }
            let unreachable = report.hosts.contains { $0.checks.first?.name == "ssh" && $0.checks.first?.status == .fail }
            if unreachable { throw ExitCode(ExitStatus.unreachable) }
            if report.status == .fail { throw ExitCode(ExitStatus.checkFailed) }
        }

        private func render(_ report: EnvironmentCheckReport) -> String {
            let terminal = global.terminal
            var lines: [String] = []
            for host in report.hosts {
                lines.append("\(terminal.bold(host.host))  \(terminal.dim(host.address))")
                let rows = host.checks.map { [terminal.status($0.status), $0.name, $0.detail.replacingOccurrences(of: "\n", with: "\n" + String(repeating: " ", count: 30))] }
                lines.append(Terminal.table(rows, visibleWidth: Terminal.visibleWidth))
            }
            let counts = Dictionary(grouping: report.hosts.flatMap(\.checks), by: \.status).mapValues(\.count)
            lines.append(
                "\(report.environment): \(terminal.status(report.status).trimmingCharacters(in: .whitespaces)) — "
                    + "\(counts[.ok] ?? 0) ok, \(counts[.warn] ?? 0) warn, \(counts[.fail] ?? 0) fail on \(report.hosts.count) host(s)")
            return lines.joined(separator: "\n")
        }
    }
}
