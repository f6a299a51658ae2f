import Foundation
import HostScripts
import SSH
import Testing

/// What every host script must be to be read, checked and run alone.
@Suite("Sources/HostScripts: every script")
struct HostScriptFileTests {
    /// The test sources of this target, without whitespace (the formatter may break a call's line).
    static let testSources: String = {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return files.filter { $0.hasSuffix(".swift") }
            .compactMap { try? String(contentsOf: folder.appending(path: $0), encoding: .utf8) }
            .joined(separator: "\n")
            .filter { !$0.isWhitespace }
    }()

    @Test(
        "starts with #!/bin/sh and a header naming itself, its arguments, what it prints and its exit codes",
        arguments: HostScriptSource.all)
    func header(_ script: HostScriptSource) {
        #expect(script.text.hasPrefix("#!/bin/sh\n"))
        let header = script.header
        #expect(
            header.first?.hasPrefix(script.name + ": ") == true,
            "the first header line is `\(script.name): what it does`")
        for key in ["Arguments:", "Prints:", "Exit:"] {
            #expect(header.contains { $0.hasPrefix(key) }, "\(script.name).sh has no `\(key)` line")
        }
        #expect(script.text.contains("\nset -eu\n"), "\(script.name).sh runs with set -eu")
    }

    @Test("has a test of its own that runs it on a host", arguments: HostScriptSource.all)
    func tested(_ script: HostScriptSource) {
        let swiftName = Self.swiftName(script.name)
        #expect(Self.testSources.contains("run(.\(swiftName),"), "no test runs .\(swiftName) (\(script.name).sh)")
    }

    static func swiftName(_ name: String) -> String {
        let words = name.split(separator: "-")
        return String(words[0]) + words.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }
}
