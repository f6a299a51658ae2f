import Foundation
import Testbed
import Testing

/// `make build` (and `make install`) link Swift's runtime and Foundation into deployctl, as into
/// qtickets-api, so that a workstation without a Swift toolchain runs it.
@Suite("the static binaries")
struct StaticBinaryTests {
    static let binary = Testbed.repository.appendingPathComponent(".build/static/deployctl").path
    static let loader = Testbed.repository.appendingPathComponent(".build/static/qtickets-api").path

    func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ["PATH": "/usr/bin:/bin", "LD_LIBRARY_PATH": ""]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test("needs no Swift library: it links none and runs with an empty library path")
    func noSwiftLibraries() throws {
        #expect(
            FileManager.default.isExecutableFile(atPath: Self.binary),
            "no static binary at \(Self.binary): run `make build`")
        let libraries = try run("/usr/bin/ldd", [Self.binary])
        #expect(libraries.status == 0, "\(libraries.output)")
        let swiftLibraries = libraries.output.split(separator: "\n").filter { line in
            ["libswift", "libFoundation", "lib_Foundation", "libdispatch", "libBlocksRuntime"].contains {
                line.contains($0)
            }
        }
        #expect(swiftLibraries.isEmpty, "\(swiftLibraries)")
        let version = try run(Self.binary, ["--version"])
        #expect(version.status == 0 && version.output.hasPrefix("deployctl "), "\(version.output)")
        let completion = try run(Self.binary, ["--generate-completion-script", "bash"])
        #expect(completion.status == 0 && completion.output.contains("_deployctl"), "\(completion.output.prefix(200))")
    }

    /// Every deploy of a new loader sends it over the client's link: it links FoundationEssentials
    /// only (full Foundation would bring ICU's 34 MB of data), optimised and stripped.
    @Test("qtickets-api is at most 40 MB, carries no ICU data and needs no Swift library")
    func loaderIsSmall() throws {
        let attributes = try FileManager.default.attributesOfItem(atPath: Self.loader)
        let bytes = (attributes[.size] as? Int) ?? 0
        #expect(bytes > 0 && bytes <= 40_000_000, "\(Self.loader) is \(bytes) bytes")
        let contents = try Data(contentsOf: URL(fileURLWithPath: Self.loader))
        #expect(contents.range(of: Data("icudt".utf8)) == nil, "ICU's data is linked in")
        let libraries = try run("/usr/bin/ldd", [Self.loader])
        #expect(
            !libraries.output.contains("libswift") && !libraries.output.contains("Foundation"), "\(libraries.output)")
        let help = try run(Self.loader, ["healthcheck", "--help"])
        #expect(help.status == 0 && help.output.contains("--json"), "\(help.output.prefix(300))")
    }
}
