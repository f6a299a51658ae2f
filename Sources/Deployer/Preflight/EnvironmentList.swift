import Console
import Environments

/// `deployctl env list`: every environment file with its role and hosts, or what is wrong with it.
public struct EnvironmentList: CommandOutput {
    public struct Row: Sendable, Encodable {
        public let name: String
        public let role: String?
        public let hosts: [String]
        public let error: String?
    }

    public let environments: [Row]

    public init(_ entries: [EnvironmentCatalog.Entry]) {
        environments = entries.map { entry in
            switch entry.result {
            case .success(let environment):
                Row(
                    name: entry.name, role: environment.role.rawValue,
                    hosts: environment.hosts.map { "\($0.name) (\($0.user)@\($0.address):\($0.port))" }, error: nil)
            case .failure(let error):
                Row(name: entry.name, role: nil, hosts: [], error: error.description)
            }
        }
    }

    /// An invalid file makes the list an invalid configuration (2).
    public var verdict: Verdict { environments.contains { $0.error != nil } ? .invalidConfiguration : .success }

    public var failureSummary: String {
        "invalid environment file(s): " + environments.filter { $0.error != nil }.map(\.name).joined(separator: ", ")
    }

    public func render(_ terminal: Terminal) -> String {
        Terminal.table(
            environments.map { row in
                [
                    terminal.bold(row.name), row.role ?? terminal.paint("invalid", "31"),
                    row.error ?? row.hosts.joined(separator: ", "),
                ]
            })
    }
}
