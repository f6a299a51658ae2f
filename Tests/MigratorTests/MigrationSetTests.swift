import Migrator
import Testbed
import Testing

/// Migration files with one problem, and every line of the error loading them must produce.
struct MigrationSetCase: Sendable, CustomTestStringConvertible {
    var name: String
    var files: [String: String]
    var expected: [String]

    var testDescription: String { name }
}

@Suite("A migrations folder loads into ordered, paired migrations, or fails with every problem")
struct MigrationSetTests {
    static let table = "CREATE TABLE IF NOT EXISTS t (x UInt8) ENGINE = MergeTree ORDER BY x;\n"
    static let dropTable = "DROP TABLE IF EXISTS t;\n"

    /// The error's lines for `files`, or an empty list when they load.
    static func problems(_ files: [String: String]) -> [String] {
        do throws(MigrationSetError) {
            _ = try MigrationSet(files: files)
            return []
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    @Test("pairs files by version, orders versions numerically and keeps paths, checksum and directives")
    func loads() throws {
        let irreversibleUp =
            "-- deployctl:irreversible raw rows are exported before\nCREATE TABLE IF NOT EXISTS a (x UInt8) ENGINE = MergeTree ORDER BY x;\n"
        let set = try MigrationSet(files: [
            "0010_late.up.sql": Self.table,
            "0010_late.down.sql": Self.dropTable,
            "0010_late.verify.sql": "SELECT count() = 0 FROM t;\nEXISTS TABLE t",
            "0002_early.up.sql": irreversibleUp,
            "0009_middle.up.sql": "ALTER TABLE a ADD COLUMN IF NOT EXISTS y UInt8;",
            "0009_middle.down.sql": "ALTER TABLE a DROP COLUMN IF EXISTS y;",
        ])
        #expect(set.migrations.map(\.version) == [2, 9, 10])
        #expect(set.migrations.map(\.name) == ["0002_early", "0009_middle", "0010_late"])
        #expect(set[10]?.up.map(\.text) == ["CREATE TABLE IF NOT EXISTS t (x UInt8) ENGINE = MergeTree ORDER BY x"])
        #expect(set[10]?.down?.map(\.text) == ["DROP TABLE IF EXISTS t"])
        #expect(set[10]?.verify.map(\.text) == ["SELECT count() = 0 FROM t", "EXISTS TABLE t"])
        #expect(set[10]?.verify.map(\.line) == [1, 2])
        #expect(set[10]?.upFile == "migrations/0010_late.up.sql")
        #expect(set[10]?.downFile == "migrations/0010_late.down.sql")
        #expect(set[10]?.verifyFile == "migrations/0010_late.verify.sql")
        #expect(set[9]?.verify == [])
        #expect(set[9]?.verifyFile == nil)

        let early = try #require(set[2])
        #expect(early.down == nil)
        #expect(early.downFile == nil)
        #expect(early.irreversibleReason == "raw rows are exported before")
        #expect(early.directives == [Directive(name: "irreversible", reason: "raw rows are exported before", line: 1)])
        #expect(early.checksum == "105ecc69edc21cbdd7519084c8da2429f7f8bf4626ebb6c9076d8bf7d1b4ded8")
        #expect(set[9]?.irreversibleReason == nil)
        #expect(set[3] == nil)
    }

    @Test("the checksum covers the file's bytes, comments included, while statement hashes ignore comments")
    func checksumCoversBytes() throws {
        let plain = try MigrationSet(files: ["0001_a.up.sql": Self.table, "0001_a.down.sql": Self.dropTable])
        let commented = try MigrationSet(files: [
            "0001_a.up.sql": "-- reviewed\n" + Self.table, "0001_a.down.sql": Self.dropTable,
        ])
        #expect(plain.migrations[0].checksum != commented.migrations[0].checksum)
        #expect(plain.migrations[0].up.map(\.hash) == commented.migrations[0].up.map(\.hash))
    }

    static let cases: [MigrationSetCase] = [
        MigrationSetCase(
            name: "bad file name with a close valid one",
            files: ["1-Init.up.sql": Self.table],
            expected: [
                "migrations/1-Init.up.sql: '1-Init.up.sql' is not a migration file name: name it NNNN_slug.up.sql, NNNN_slug.down.sql or NNNN_slug.verify.sql, where NNNN is a version of 4 or more digits and slug is lowercase letters, digits and _; rename it to '0001_init.up.sql'"
            ]
        ),
        MigrationSetCase(
            name: "bad file name without a role",
            files: ["0001_init.sql": Self.table, "README.md": "not SQL", ".gitkeep": ""],
            expected: [
                "migrations/0001_init.sql: '0001_init.sql' is not a migration file name: name it NNNN_slug.up.sql, NNNN_slug.down.sql or NNNN_slug.verify.sql, where NNNN is a version of 4 or more digits and slug is lowercase letters, digits and _, or move it out of the migrations folder"
            ]
        ),
        MigrationSetCase(
            name: "duplicate version",
            files: [
                "0001_a.up.sql": Self.table, "0001_a.down.sql": Self.dropTable, "0001_b.up.sql": Self.table,
                "0001_b.down.sql": Self.dropTable,
            ],
            expected: [
                "migrations/0001_b.down.sql: version 0001 is already used by '0001_a.down.sql'; give this migration the next free version, 0002",
                "migrations/0001_b.up.sql: version 0001 is already used by '0001_a.up.sql'; give this migration the next free version, 0002",
            ]
        ),
        MigrationSetCase(
            name: "versions are numbers, so 00001 and 0001 collide",
            files: ["0001_a.up.sql": Self.table, "00001_a.up.sql": Self.table, "0001_a.down.sql": Self.dropTable],
            expected: [
                "migrations/0001_a.up.sql: version 0001 is already used by '00001_a.up.sql'; give this migration the next free version, 0002"
            ]
        ),
        MigrationSetCase(
            name: "down without up",
            files: ["0002_gone.down.sql": Self.dropTable],
            expected: [
                "migrations/0002_gone.down.sql: '0002_gone.down.sql' has no up file; add '0002_gone.up.sql' with the migration it undoes, or delete the down file"
            ]
        ),
        MigrationSetCase(
            name: "verify without up",
            files: ["0002_gone.verify.sql": "SELECT 1"],
            expected: [
                "migrations/0002_gone.verify.sql: '0002_gone.verify.sql' has no up file; add '0002_gone.up.sql' with the migration it checks, or delete the verify file"
            ]
        ),
        MigrationSetCase(
            name: "slug differs between up and down",
            files: ["0001_orders.up.sql": Self.table, "0001_order.down.sql": Self.dropTable],
            expected: [
                "migrations/0001_order.down.sql: '0001_order.down.sql' pairs with '0001_orders.up.sql' by its version, but its slug differs; rename it to '0001_orders.down.sql'"
            ]
        ),
        MigrationSetCase(
            name: "missing down without the irreversible directive",
            files: ["0003_utm.up.sql": Self.table],
            expected: [
                "migrations/0003_utm.up.sql: '0003_utm.up.sql' has no down file; add '0003_utm.down.sql' with the statements that undo it, or, if it cannot be undone, write '-- deployctl:irreversible <reason>' before its first statement"
            ]
        ),
        MigrationSetCase(
            name: "irreversible with a down file",
            files: [
                "0003_utm.up.sql": "-- deployctl:irreversible backfill\n" + Self.table,
                "0003_utm.down.sql": Self.dropTable,
            ],
            expected: [
                "migrations/0003_utm.down.sql: '0003_utm.up.sql' is marked irreversible on line 1, yet this down file exists; delete the down file, or remove the directive if the migration can be undone"
            ]
        ),
        MigrationSetCase(
            name: "empty up file",
            files: ["0001_a.up.sql": "-- to be written\n/* later */\n;\n", "0001_a.down.sql": Self.dropTable],
            expected: [
                "migrations/0001_a.up.sql: '0001_a.up.sql' holds no statement; write the migration's statements, or delete the file"
            ]
        ),
        MigrationSetCase(
            name: "empty down file",
            files: ["0001_a.up.sql": Self.table, "0001_a.down.sql": "-- nothing to undo\n"],
            expected: [
                "migrations/0001_a.down.sql: '0001_a.down.sql' holds no statement; an empty down file undoes nothing: write the statements that undo the up file, or delete it and mark the up file '-- deployctl:irreversible <reason>'"
            ]
        ),
        MigrationSetCase(
            name: "byte order mark",
            files: ["0001_a.up.sql": "\u{FEFF}" + Self.table, "0001_a.down.sql": Self.dropTable],
            expected: [
                "migrations/0001_a.up.sql:1: the file starts with a UTF-8 byte order mark (EF BB BF), which ClickHouse would read as part of the first statement; save the file as UTF-8 without BOM"
            ]
        ),
        MigrationSetCase(
            name: "Cyrillic mojibake",
            files: [
                "0001_a.up.sql": Self.table + "INSERT INTO t VALUES ('Р—Р°РєР°Р·');\n",
                "0001_a.down.sql": Self.dropTable,
            ],
            expected: [
                "migrations/0001_a.up.sql:2: the line reads like UTF-8 text that was decoded as Windows-1251 and saved again: 'INSERT INTO t VALUES ('Р—Р°РєР°Р·');' was 'INSERT INTO t VALUES ('Заказ');'; put back the original text"
            ]
        ),
        MigrationSetCase(
            name: "replacement characters",
            files: [
                "0001_a.up.sql": "-- city: \u{FFFD}\u{FFFD}\u{FFFD}\n" + Self.table, "0001_a.down.sql": Self.dropTable,
            ],
            expected: [
                "migrations/0001_a.up.sql:1: the line holds U+FFFD (\u{FFFD}), which a failed conversion leaves where it could not read a character; the original characters are lost, so retype them"
            ]
        ),
        MigrationSetCase(
            name: "intact Russian text and accents are not mojibake",
            files: ["0001_a.up.sql": "-- Заказы «МТС», café, 20 °C\n" + Self.table, "0001_a.down.sql": Self.dropTable],
            expected: []
        ),
        MigrationSetCase(
            name: "splitting error names the line",
            files: [
                "0001_a.up.sql": Self.table + "INSERT INTO t VALUES ('it's');\n", "0001_a.down.sql": Self.dropTable,
            ],
            expected: [
                #"migrations/0001_a.up.sql:2: the string opened with ' here is never closed, so everything after it would be part of it; add the closing ', and check for a backslash just before it (\' is an escaped quote, not the end)"#
            ]
        ),
        MigrationSetCase(
            name: "misspelt directive",
            files: [
                "0001_a.up.sql": Self.table + "-- deployctl:alow-destructive old copy\nDROP TABLE old;\n",
                "0001_a.down.sql": Self.dropTable,
            ],
            expected: [
                "migrations/0001_a.up.sql:2: unknown directive 'deployctl:alow-destructive', refused so that a typo cannot switch a check off; did you mean 'deployctl:allow-destructive'?"
            ]
        ),
        MigrationSetCase(
            name: "unknown directive",
            files: ["0001_a.up.sql": "-- deployctl:skip-all-checks\n" + Self.table, "0001_a.down.sql": Self.dropTable],
            expected: [
                "migrations/0001_a.up.sql:1: unknown directive 'deployctl:skip-all-checks', refused so that a typo cannot switch a check off; known directives are 'deployctl:irreversible' and 'deployctl:allow-destructive'"
            ]
        ),
        MigrationSetCase(
            name: "irreversible before a later statement",
            files: ["0001_a.up.sql": Self.table + "-- deployctl:irreversible backfill\nINSERT INTO t SELECT 1;\n"],
            expected: [
                "migrations/0001_a.up.sql: '0001_a.up.sql' has no down file; add '0001_a.down.sql' with the statements that undo it, or, if it cannot be undone, write '-- deployctl:irreversible <reason>' before its first statement",
                "migrations/0001_a.up.sql:2: 'irreversible' marks the whole file, so it belongs among the comments before the first statement, not before the statement on line 3",
            ]
        ),
        MigrationSetCase(
            name: "irreversible in a down file",
            files: [
                "0001_a.up.sql": Self.table,
                "0001_a.down.sql": "-- deployctl:irreversible no way back\n" + Self.dropTable,
            ],
            expected: [
                "migrations/0001_a.down.sql:1: 'irreversible' marks a whole migration, so it belongs in '0001_a.up.sql' before its first statement, not in its down file"
            ]
        ),
        MigrationSetCase(
            name: "irreversible without a reason",
            files: ["0001_a.up.sql": "-- deployctl:irreversible\n" + Self.table],
            expected: [
                "migrations/0001_a.up.sql:1: '-- deployctl:irreversible' needs a reason after it, on the same line: why can this migration not be undone?"
            ]
        ),
        MigrationSetCase(
            name: "allow-destructive in a verify file",
            files: [
                "0001_a.up.sql": Self.table, "0001_a.down.sql": Self.dropTable,
                "0001_a.verify.sql": "-- deployctl:allow-destructive why\nSELECT 1",
            ],
            expected: [
                "migrations/0001_a.verify.sql:1: verify files only read, so 'allow-destructive' has nothing to allow; remove it"
            ]
        ),
        MigrationSetCase(
            name: "every problem of every file at once, sorted by file and line",
            files: [
                "0001_a.up.sql": Self.table,
                "0002_b.up.sql": "\u{FEFF}SELECT 'x",
                "0002_b.down.sql": Self.dropTable,
                "0003_c.down.sql": Self.dropTable,
                "bad.sql": "",
            ],
            expected: [
                "migrations/0001_a.up.sql: '0001_a.up.sql' has no down file; add '0001_a.down.sql' with the statements that undo it, or, if it cannot be undone, write '-- deployctl:irreversible <reason>' before its first statement",
                "migrations/0002_b.up.sql:1: the file starts with a UTF-8 byte order mark (EF BB BF), which ClickHouse would read as part of the first statement; save the file as UTF-8 without BOM",
                #"migrations/0002_b.up.sql:1: the string opened with ' here is never closed, so everything after it would be part of it; add the closing ', and check for a backslash just before it (\' is an escaped quote, not the end)"#,
                "migrations/0003_c.down.sql: '0003_c.down.sql' has no up file; add '0003_c.up.sql' with the migration it undoes, or delete the down file",
                "migrations/bad.sql: 'bad.sql' is not a migration file name: name it NNNN_slug.up.sql, NNNN_slug.down.sql or NNNN_slug.verify.sql, where NNNN is a version of 4 or more digits and slug is lowercase letters, digits and _, or move it out of the migrations folder",
            ]
        ),
    ]

    @Test("reports", arguments: cases)
    func reports(_ example: MigrationSetCase) {
        #expect(Self.problems(example.files) == example.expected)
    }

    @Test("reports every problem with its stable code")
    func codes() {
        #expect(throws: MigrationSetError.self) { try MigrationSet(files: ["0001_a.up.sql": Self.table]) }
        do throws(MigrationSetError) {
            _ = try MigrationSet(files: ["0001_a.up.sql": "SELECT 'x", "0002_b.down.sql": Self.dropTable])
            Issue.record("a set with problems loaded")
        } catch {
            #expect(error.diagnostics.map(\.code) == [.syntax, .downWithoutUp])
            #expect(error.code == .syntax)
            #expect(error.diagnostics.map(\.line) == [1, nil])
        }
    }

    @Test("bytes that are not UTF-8 are named by line and column")
    func invalidUTF8() {
        let up =
            Array("CREATE TABLE IF NOT EXISTS t (x String) ENGINE = Memory;\nINSERT INTO t VALUES ('caf".utf8) + [0xE9]
            + Array("');\n".utf8)
        #expect {
            try MigrationSet(fileBytes: ["0001_a.up.sql": up, "0001_a.down.sql": Array(Self.dropTable.utf8)])
        } throws: { error in
            (error as? MigrationSetError)?.description
                == "migrations/0001_a.up.sql:2: byte 0xE9 at column 27 is not UTF-8; the file was probably saved in a legacy encoding such as Windows-1251, so re-save it as UTF-8"
        }
    }

    @Test("a folder on disk loads its migration files and ignores other files and subfolders")
    func loadsFolder() throws {
        let folder = try TemporaryDirectory("migrations")
        try folder.write(Self.table, to: "0001_init.up.sql")
        try folder.write(Self.dropTable, to: "0001_init.down.sql")
        try folder.write("# Migrations\n", to: "README.md")
        try folder.write("", to: ".gitkeep")
        try folder.write("not a migration", to: "0000_archive/0000_old.up.sql")
        let set = try MigrationSet(directory: folder.path)
        #expect(set.directory == folder.path)
        #expect(set.migrations.map(\.name) == ["0001_init"])
        #expect(set.migrations.map(\.upFile) == [folder.path + "/0001_init.up.sql"])
    }

    @Test("a folder's problems name the files by their paths")
    func folderProblems() throws {
        let folder = try TemporaryDirectory("migrations")
        try folder.write(Self.table, to: "0001_init.up.sql")
        #expect {
            try MigrationSet(directory: folder.path)
        } throws: { error in
            (error as? MigrationSetError)?.diagnostics.map(\.file) == [folder.path + "/0001_init.up.sql"]
        }
    }

    @Test("a missing folder says how to point to the right one")
    func missingFolder() {
        #expect(
            throws: MigrationSetError(diagnostics: [
                .init(
                    code: .unreadable,
                    file: "/nonexistent/migrations",
                    message: "no migrations folder here; create it, or point to the right one with --migrations"
                )
            ])
        ) {
            try MigrationSet(directory: "/nonexistent/migrations")
        }
    }

    @Test("versions compare as numbers and print with four digits")
    func versions() {
        #expect(MigrationVersion("0009")! < MigrationVersion("0010")!)
        #expect(MigrationVersion("00010") == 10)
        #expect(MigrationVersion(7).description == "0007")
        #expect(MigrationVersion(20_250_101_1200).description == "202501011200")
        #expect(MigrationVersion("12a") == nil)
        #expect(MigrationVersion("") == nil)
        #expect(MigrationVersion("99999999999999999999999") == nil)
    }
}
