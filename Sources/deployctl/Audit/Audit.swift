import ArgumentParser
import Deployer
import Environments

extension Deployctl {
    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the audit trail of an environment's hosts, or verify its chain and its copy in ClickHouse.",
            subcommands: [AuditShow.self, AuditVerify.self], defaultSubcommand: AuditShow.self)
    }
}

struct AuditShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Every entry: when, what, who, which release, the result.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: EnvironmentOptions

    func run() async throws {
        try await global.report("audit") { try await auditReport(global, target, verify: false) }
    }
}

struct AuditVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract:
            "Check each host's hash chain and compare it with ClickHouse's copy: an edited, inserted or deleted entry shows.",
        discussion: "Exit status: 0 intact, 1 a break or a disagreement was found.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: EnvironmentOptions

    func run() async throws {
        try await global.report("audit verify") { try await auditReport(global, target, verify: true) }
    }
}

func auditReport(_ global: GlobalOptions, _ target: EnvironmentOptions, verify: Bool) async throws -> AuditReport {
    return try await global.withSession(target) { environment, session in
        let anchors = AuditAnchorStore()
        let report = await AuditLog(layout: HostLayout(environment), database: environment.clickhouse.stateDatabase)
            .report(
                in: session, verify: verify, anchors: anchors.anchors(of: environment.name),
                trusted: environment.verificationKeys)
        if verify {
            try anchors.record(
                Dictionary(
                    uniqueKeysWithValues: report.hosts.filter(\.problems.isEmpty).compactMap { host in
                        host.head.map { (host.host, $0) }
                    }), of: environment.name)
        }
        return report
    }
}
