/// The objects the up files create, replayed statement by statement in version order, so that a
/// statement can be judged against what the migrations before it made.
///
/// Only the migrations' own statements are known: an object made outside them (by a bootstrap
/// script, by hand) is invisible here, and checks that depend on it err on the quiet side.
struct SchemaHistory {
    /// Where an object was last created, and what a drop of it would lose.
    struct Definition: Sendable, Hashable {
        var file: String
        var line: Int
        var hash: String
        /// Whether the object is a materialized view that keeps its rows in its own inner table.
        var storesRows: Bool
    }

    /// A `CREATE` of an object that an earlier statement created and nothing dropped since.
    struct Collision: Sendable, Hashable {
        var name: ObjectName
        var earlier: Definition
        var ifNotExists: Bool
    }

    private var definitions: [ObjectName: Definition] = [:]

    /// Where `name` was last created, if a statement so far created it and none dropped it since.
    func definition(of name: ObjectName) -> Definition? {
        definitions[name]
    }

    /// Replays `statement` of `file`, returning the earlier definition its `CREATE` collides with.
    ///
    /// A later `CREATE OR REPLACE` replaces on purpose, and an `IF NOT EXISTS` copy of the same
    /// statement changes nothing; neither is a collision.
    mutating func record(_ statement: Statement, file: String) -> Collision? {
        switch statement.kind {
        case .createTable(let table):
            return define(
                table.name, statement, file: file, orReplace: table.orReplace, ifNotExists: table.ifNotExists,
                storesRows: false)
        case .createView(let view):
            return define(
                view.name, statement, file: file, orReplace: view.orReplace, ifNotExists: view.ifNotExists,
                storesRows: view.storesRows)
        case .createDatabase(let name, let ifNotExists):
            return define(name, statement, file: file, orReplace: false, ifNotExists: ifNotExists, storesRows: false)
        case .dropTable(let objects), .dropView(let objects), .dropDatabase(let objects):
            for name in objects.names { definitions[name] = nil }
        case .rename(let pairs):
            for pair in pairs {
                definitions[pair.to] = definitions.removeValue(forKey: pair.from)
            }
        default:
            break
        }
        return nil
    }

    private mutating func define(
        _ name: ObjectName,
        _ statement: Statement,
        file: String,
        orReplace: Bool,
        ifNotExists: Bool,
        storesRows: Bool
    ) -> Collision? {
        let earlier = definitions[name]
        definitions[name] = Definition(file: file, line: statement.line, hash: statement.hash, storesRows: storesRows)
        guard let earlier, !orReplace, !(ifNotExists && earlier.hash == statement.hash) else { return nil }
        return Collision(name: name, earlier: earlier, ifNotExists: ifNotExists)
    }
}
