import Deployer
import Foundation
import Testbed

/// A systemd unit file of the repository's `systemd/` folder, read the way systemd reads one:
/// `[Section]` headers, `Key=Value` lines, `#` and `;` comments. Continuation lines are not used
/// by the pipeline's units and not supported.
struct UnitFile: Sendable {
    struct Entry: Sendable, Equatable {
        let section: String
        let key: String
        let value: String
    }

    let name: String
    let text: String
    let entries: [Entry]

    static let directory = Testbed.repository.appendingPathComponent("systemd").path

    /// The shipped units, by file name, as the deployer reads them from `systemd/` (a placeholder
    /// name that fails to open when the folder cannot be read, so that the tests fail and say so).
    static let names = (try? PipelineUnits.load(from: directory).names) ?? ["<\(directory) unreadable>"]

    static func named(_ name: String) throws -> UnitFile {
        try UnitFile(name: name, text: String(contentsOfFile: directory + "/" + name, encoding: .utf8))
    }

    init(name: String, text: String) {
        self.name = name
        self.text = text
        var section = ""
        var entries: [Entry] = []
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                section = String(line.dropFirst().dropLast())
            } else if let equals = line.firstIndex(of: "=") {
                entries.append(
                    Entry(
                        section: section, key: line[..<equals].trimmingCharacters(in: .whitespaces),
                        value: line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)))
            }
        }
        self.entries = entries
    }

    var sections: Set<String> { Set(entries.map(\.section)) }

    /// Every value of `key` in `section`, in file order (systemd keys like ExecStart may repeat).
    func values(_ key: String, in section: String) -> [String] {
        entries.filter { $0.section == section && $0.key == key }.map(\.value)
    }

    /// The single value of `key` in `section`; nil when it is absent or given more than once.
    func value(_ key: String, in section: String) -> String? {
        let all = values(key, in: section)
        return all.count == 1 ? all[0] : nil
    }

    /// The same file with the whole line `line` replaced by `replacement`, for negative tests.
    func replacing(line: String, with replacement: String) -> UnitFile {
        UnitFile(name: name, text: text.replacingOccurrences(of: "\n" + line + "\n", with: "\n" + replacement + "\n"))
    }
}
