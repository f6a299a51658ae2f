extension MigrationLinter {
    /// In cluster mode, errors for schema changes that would run on one server only, and warnings
    /// for MergeTree tables whose replicas would not share their rows.
    func clusterFindings(_ statement: Statement, file: String) -> [LintFinding] {
        guard let cluster else { return [] }
        var findings: [LintFinding] = []
        if statement.kind.isSchemaChange {
            switch statement.onCluster {
            case nil:
                findings.append(
                    finding(
                        .error, .missingOnCluster, file, statement.line,
                        "on cluster \(cluster) every schema change must run ON CLUSTER, or it changes only the server it is sent to; add ON CLUSTER \(cluster) after the object's name"
                    ))
            case let other? where other != cluster:
                findings.append(
                    finding(
                        .error, .missingOnCluster, file, statement.line,
                        "this statement runs ON CLUSTER \(other), but the environment's cluster is \(cluster); write ON CLUSTER \(cluster)"
                    ))
            default:
                break
            }
        }
        if case .createTable(let table) = statement.kind, table.isMergeTreeFamily, !table.isReplicated,
            !table.isTemporary, let engine = table.engine
        {
            findings.append(
                finding(
                    .warning, .nonReplicatedEngine, file, statement.line,
                    "\(table.name) uses \(engine), which keeps a separate copy of the rows on each replica; on a cluster use Replicated\(engine) so that replicas stay in sync (unless the database's engine is Replicated, which replicates it for you)"
                ))
        }
        return findings
    }
}
