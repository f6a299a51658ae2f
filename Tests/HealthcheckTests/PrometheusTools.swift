import Foundation
import Testbed

/// Prometheus' own tools, run as processes: the official Python client's parser (Debian's
/// `python3-prometheus-client`, under Debian's `/usr/bin/python3`) and `promtool` (Debian's
/// `prometheus`). Both are installed by `testbed/testbed.sh deps`; a missing one is an error that
/// says which package to install, so a test that needs it fails instead of passing unchecked.
enum PrometheusTools {
    /// A tool that is not installed, or that could not run.
    struct Unavailable: Error, CustomStringConvertible {
        let description: String
    }

    /// One metric family as `prometheus_client.parser.text_string_to_metric_families` reads it.
    struct Family: Decodable, Equatable {
        let name: String
        let type: String
        let help: String
        let samples: [Sample]
    }

    /// One sample: its full name (with `_total` for a counter), labels and value.
    struct Sample: Decodable, Equatable {
        let name: String
        let labels: [String: String]
        let value: Double
    }

    static let python = "/usr/bin/python3"

    static let parserScript = """
        import json, sys
        from prometheus_client.parser import text_string_to_metric_families
        families = [
            {"name": f.name, "type": f.type, "help": f.documentation,
             "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in f.samples]}
            for f in text_string_to_metric_families(sys.stdin.read())
        ]
        print(json.dumps(families))
        """

    /// `text` parsed by the official parser; throws with the parser's complaint when it refuses it.
    static func parse(_ text: String) throws -> [Family] {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw Unavailable(
                description:
                    "\(python) is missing: install Debian's python3 and python3-prometheus-client (testbed/testbed.sh deps)"
            )
        }
        let run = try ToolRun(python, ["-c", parserScript], input: text)
        if run.stderr.contains("No module named 'prometheus_client'") {
            throw Unavailable(
                description:
                    "\(python) has no prometheus_client: apt-get install python3-prometheus-client (testbed/testbed.sh deps)"
            )
        }
        guard run.status == 0 else {
            throw Unavailable(description: "prometheus_client refused the exposition: \(run.stderr)\n\(text)")
        }
        return try JSONDecoder().decode([Family].self, from: Data(run.stdout.utf8))
    }

    /// The family named `name` (the parser names a counter without its `_total`).
    static func family(_ name: String, in families: [Family]) -> Family? {
        families.first { $0.name == name }
    }

    /// `promtool` with `arguments`, reading `input`; throws when Debian's `prometheus` package is missing.
    static func promtool(_ arguments: [String], input: String = "") throws -> ToolRun {
        let path =
            ["/usr/bin/promtool", "/usr/local/bin/promtool"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let path else {
            throw Unavailable(
                description:
                    "promtool is missing: apt-get install prometheus (Debian 12's package ships it; testbed/testbed.sh deps)"
            )
        }
        return try ToolRun(path, arguments, input: input)
    }
}

/// A process run to its end with `input` on standard input. Input and standard error go through
/// files, so no pipe can fill up and stall the process.
struct ToolRun {
    let status: Int32
    let stdout: String
    let stderr: String

    init(_ executable: String, _ arguments: [String], input: String = "", environment: [String: String] = [:])
        throws
    {
        let folder = try TemporaryDirectory("tool")
        let inputPath = try folder.write(input, to: "stdin")
        let stderrPath = try folder.write("", to: "stderr")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let errors = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        defer { try? errors.close() }
        let out = Pipe()
        process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: inputPath))
        process.standardOutput = out
        process.standardError = errors
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        status = process.terminationStatus
        stdout = String(decoding: output, as: UTF8.self)
        stderr = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
    }
}
