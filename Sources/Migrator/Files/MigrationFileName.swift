/// A migration file name taken apart: `NNNN_slug.up.sql`, `NNNN_slug.down.sql` or `NNNN_slug.verify.sql`.
struct MigrationFileName: Sendable, Hashable {
    /// Which of a migration's files it is.
    enum Role: String, Sendable, Hashable, CaseIterable {
        case up, down, verify
    }

    let version: MigrationVersion
    let slug: String
    let role: Role

    /// Reads `name`; `nil` when it does not follow the convention exactly.
    init?(_ name: String) {
        guard name.hasSuffix(".sql") else { return nil }
        let stem = name.dropLast(".sql".count)
        guard let roleDot = stem.lastIndex(of: "."),
            let role = Role(rawValue: String(stem[stem.index(after: roleDot)...]))
        else {
            return nil
        }
        let base = stem[..<roleDot]
        guard let underscore = base.firstIndex(of: "_") else { return nil }
        let digits = base[..<underscore]
        let slug = base[base.index(after: underscore)...]
        guard digits.count >= 4, let version = MigrationVersion(digits), !slug.isEmpty,
            slug.utf8.allSatisfy({
                ASCII.isDigit($0) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || $0 == UInt8(ascii: "_")
            })
        else { return nil }
        self.version = version
        self.slug = String(slug)
        self.role = role
    }

    /// Whether a file in the migrations folder is meant to be a migration: it ends in `.sql` or starts
    /// with a digit. Other files (a README, `.gitkeep`) are left alone.
    static func isCandidate(_ name: String) -> Bool {
        !name.hasPrefix(".")
            && (name.lowercased().hasSuffix(".sql") || name.first?.isASCII == true && name.first?.isNumber == true)
    }

    /// A valid name close to `name`: lowercased, `-` and spaces made `_`, the version padded to four
    /// digits; `nil` when that does not give a valid name either.
    static func suggestion(for name: String) -> String? {
        var candidate = String(name.lowercased().map { $0 == "-" || $0 == " " ? "_" : $0 })
        let digits = candidate.prefix { $0.isASCII && $0.isNumber }
        if !digits.isEmpty, digits.count < 4 {
            candidate = String(repeating: "0", count: 4 - digits.count) + candidate
        }
        guard candidate != name, MigrationFileName(candidate) != nil else { return nil }
        return candidate
    }
}
