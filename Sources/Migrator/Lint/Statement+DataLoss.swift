extension Statement {
    /// What the statement deletes or overwrites, one phrase per effect, such as
    /// `DROP TABLE stg_orders deletes the table and every row in it`; empty when it loses no data.
    ///
    /// A `DROP VIEW` loses data only when `schema` knows the view as a materialized view without
    /// `TO`, whose inner table holds its rows; a plain view or a `TO` view holds none.
    func dataLoss(in schema: SchemaHistory) -> [String] {
        switch kind {
        case .dropTable(let objects) where !objects.ifEmpty:
            return objects.names.map { "DROP TABLE \($0) deletes the table and every row in it" }
        case .dropDatabase(let objects):
            return objects.names.map { "DROP DATABASE \($0) deletes every table in it with its rows" }
        case .dropView(let objects):
            return objects.names.compactMap { name in
                guard let definition = schema.definition(of: name), definition.storesRows else { return nil }
                return
                    "DROP VIEW \(name) deletes materialized view \(name) together with the rows of its inner table (it was created without TO at \(definition.file):\(definition.line))"
            }
        case .truncate(let name):
            return [
                name.map { "TRUNCATE \($0) deletes every row of \($0)" }
                    ?? "TRUNCATE deletes every row of every table in the database"
            ]
        case .delete(let table):
            return ["DELETE FROM \(table) deletes rows"]
        case .createTable(let table) where table.orReplace:
            return [
                "CREATE OR REPLACE TABLE \(table.name) swaps an existing \(table.name) for an empty table, deleting its rows"
            ]
        case .alterTable(let alter):
            return alter.actions.compactMap { action in
                let effect: String
                switch action {
                case .drop(.column, let column): effect = "deletes the values of column \(column)"
                case .clearColumn(let column): effect = "resets the values of column \(column)"
                case .dropPartition: effect = "deletes the partition's rows"
                case .dropDetachedPartition: effect = "deletes detached parts from disk for good"
                case .replacePartition: effect = "replaces the partition's rows with another table's"
                case .delete: effect = "deletes rows"
                case .update: effect = "overwrites values"
                default: return nil
                }
                return "ALTER TABLE \(alter.table) \(action) \(effect)"
            }
        default:
            return []
        }
    }

    /// The objects whose drop here loses rows, which must not be created again in the same file.
    func droppedWithRows(in schema: SchemaHistory) -> [ObjectName] {
        switch kind {
        case .dropTable(let objects) where !objects.ifEmpty:
            objects.names
        case .dropView(let objects):
            objects.names.filter { schema.definition(of: $0)?.storesRows == true }
        default:
            []
        }
    }

    /// The objects the statement brings into being: created, or renamed into place.
    var createdObjects: [ObjectName] {
        switch kind {
        case .createTable(let table): [table.name]
        case .createView(let view): [view.name]
        case .createDatabase(let name, _): [name]
        case .rename(let pairs): pairs.map(\.to)
        default: []
        }
    }

    /// The tables, views and targets the statement names, for the unqualified-name rule; databases
    /// are left out, since naming one is what `CREATE DATABASE` and `DROP DATABASE` are for.
    var objectNames: [ObjectName] {
        switch kind {
        case .createTable(let table): [table.name]
        case .createView(let view): [view.name] + (view.target.map { [$0] } ?? [])
        case .dropTable(let objects), .dropView(let objects): objects.names
        case .truncate(let name): name.map { [$0] } ?? []
        case .alterTable(let alter): [alter.table]
        case .delete(let table): [table]
        case .insert(let table): table.map { [$0] } ?? []
        case .rename(let pairs): pairs.flatMap { [$0.from, $0.to] }
        default: []
        }
    }
}
