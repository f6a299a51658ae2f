import Migrator

/// Builds migrations from inline texts and lints them.
enum LintFixture {
    /// One migration `NNNN_a` with the given up and down texts (and verify text, if any).
    static func files(_ version: Int = 1, up: String, down: String = "SELECT 1", verify: String? = nil) -> [String:
        String]
    {
        let stem = String(repeating: "0", count: max(0, 4 - String(version).count)) + "\(version)_a"
        var files = [stem + ".up.sql": up, stem + ".down.sql": down]
        if let verify { files[stem + ".verify.sql"] = verify }
        return files
    }

    /// The findings' descriptions for `files`.
    static func findings(_ files: [String: String], cluster: String? = nil) throws -> [String] {
        try MigrationLinter(cluster: cluster).lint(MigrationSet(files: files).migrations).map(\.description)
    }
}
