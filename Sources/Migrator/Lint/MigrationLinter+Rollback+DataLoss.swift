extension MigrationLinter {
    /// What rolling back `versions` of `migrations` (newest first, by their down files) would
    /// delete, one phrase per effect naming the file and line; empty when the downs lose no data.
    /// A migration without a down file cannot be rolled back and is named as such.
    public func dataLoss(rollingBack versions: [MigrationVersion], of migrations: [Migration]) -> [String] {
        var schema = SchemaHistory()
        for migration in migrations.sorted(by: { $0.version < $1.version }) {
            for statement in migration.up { _ = schema.record(statement, file: migration.upFile) }
        }
        var losses: [String] = []
        for version in versions.sorted(by: >) {
            guard let migration = migrations.first(where: { $0.version == version }) else { continue }
            guard let down = migration.down, let file = migration.downFile else {
                losses.append("\(migration.name) has no down file: it cannot be rolled back")
                continue
            }
            for statement in down {
                losses += statement.dataLoss(in: schema).map { "\(file):\(statement.line): \($0)" }
            }
        }
        return losses
    }
}
