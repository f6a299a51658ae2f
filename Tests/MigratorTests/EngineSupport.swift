import ClickHouse
import Foundation
import Migrator
import Testbed

/// A migration written inline in a test, built through the same loader as migration files.
struct MigrationFixture {
    var version: UInt64
    var slug: String
    var up: String
    var down: String?
    var verify: String?

    init(_ version: UInt64, _ slug: String, up: String, down: String?, verify: String? = nil) {
        self.version = version
        self.slug = slug
        self.up = up
        self.down = down
        self.verify = verify
    }

    var files: [String: String] {
        let name = String(format: "%04llu_%@", version, slug)
        var files = [
            name + ".up.sql": down == nil ? "-- deployctl:irreversible test fixture without a down file\n" + up : up
        ]
        if let down { files[name + ".down.sql"] = down }
        if let verify { files[name + ".verify.sql"] = verify }
        return files
    }

    static func build(_ fixtures: [MigrationFixture]) throws -> [Migration] {
        var files: [String: String] = [:]
        for fixture in fixtures { files.merge(fixture.files) { $1 } }
        return try MigrationSet(files: files).migrations
    }
}
