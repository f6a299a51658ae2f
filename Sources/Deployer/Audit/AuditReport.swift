import AuditTrail
import Console
import Environments
import Foundation

/// `deployctl audit <env>` and `audit verify <env>`: each host's log, and every break in it.
public struct AuditReport: CommandOutput {
    public struct HostLog: Sendable, Encodable {
        public let host: String
        public let entries: [AuditRecord]
        /// Breaks of the chain and disagreements with ClickHouse's copy (empty when intact).
        public let problems: [String]
        public let clickhouseEntries: Int?
        /// The chain's last entry, which `audit verify` keeps as an anchor when the chain is intact.
        public let head: AuditAnchor?

        init(
            host: String, entries: [AuditRecord], problems: [String], clickhouseEntries: Int?, head: AuditAnchor? = nil
        ) {
            self.host = host
            self.entries = entries
            self.problems = problems
            self.clickhouseEntries = clickhouseEntries
            self.head = head
        }
    }

    public let environment: String
    public let verified: Bool
    public let hosts: [HostLog]

    public var verdict: Verdict { hosts.contains { !$0.problems.isEmpty } ? .checkFailed : .success }
    public var failureSummary: String {
        hosts.filter { !$0.problems.isEmpty }.map { "\($0.host): \($0.problems.joined(separator: "; "))" }.joined(
            separator: " | ")
    }

    public func render(_ terminal: Terminal) -> String {
        hosts.map { host in
            var lines = [terminal.bold(host.host)]
            if verified {
                if host.problems.isEmpty {
                    lines.append(
                        "  " + terminal.status(.ok) + " \(host.entries.count) entries, chain intact"
                            + (host.clickhouseEntries.map { ", ClickHouse holds the same \($0)" } ?? ""))
                } else {
                    lines += host.problems.map { "  " + terminal.status(.fail) + " " + $0 }
                }
            } else {
                lines.append(
                    Terminal.table(
                        host.entries.map {
                            [
                                $0.at, $0.command, $0.actor, $0.release ?? "-", $0.result,
                                $0.changes.count == 1 ? $0.changes[0] : "\($0.changes.count) change(s)",
                            ]
                        }))
                lines += host.problems.map { "  " + terminal.status(.fail) + " " + $0 }
            }
            return lines.joined(separator: "\n")
        }.joined(separator: "\n")
    }
}

extension AuditLog {
    /// Reads every host's log and, with ClickHouse at hand, its copy there, and checks both; when
    /// verifying, also against `anchors` (this workstation's, by host) and the audit heads carried
    /// by the environment's verification records signed by one of `trusted`.
    public func report(
        in session: EnvironmentSession, verify: Bool, anchors: [String: AuditAnchor] = [:], trusted: [String] = []
    ) async -> AuditReport {
        let clickhouse = try? await session.clickhouse(as: .admin, timeout: .seconds(30))
        let log = self
        var seen = anchors.mapValues { [(anchor: $0, source: "this workstation")] }
        if verify, let clickhouse {
            for signed in await VerificationLog(environment: session.environment).signedAuditHeads(
                client: clickhouse, trusted: trusted)
            {
                seen[signed.host, default: []].append((signed.anchor, signed.source))
            }
        }
        let checked = seen
        let hosts = await session.eachHost(
            { host, connection in
                do throws(CommandFailure) {
                    let lines = try await log.hostLines(on: connection)
                    let copy =
                        clickhouse == nil ? nil : try await log.clickhouseLines(host: host.name, client: clickhouse!)
                    let anchored = (checked[host.name] ?? []).compactMap {
                        $0.anchor.problem(in: lines, source: $0.source)
                    }
                    return AuditReport.HostLog(
                        host: host.name, entries: lines.compactMap { AuditLine($0)?.record },
                        problems: AuditLog.problems(hostLines: lines, clickhouseLines: copy ?? [:])
                            + (verify ? Array(Set(anchored)).sorted() : [])
                            + (verify && clickhouse == nil
                                ? ["ClickHouse is not reachable: only the host's copy was checked"] : []),
                        clickhouseEntries: copy?.count, head: AuditAnchor.head(of: lines))
                } catch {
                    return AuditReport.HostLog(
                        host: host.name, entries: [], problems: [error.message], clickhouseEntries: nil)
                }
            },
            unreachable: { host, failure in
                AuditReport.HostLog(
                    host: host.name, entries: [], problems: [failure.description], clickhouseEntries: nil)
            })
        return AuditReport(environment: session.environment.name, verified: verify, hosts: hosts)
    }
}
