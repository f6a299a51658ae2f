import Foundation

/// Runs the built `deployctl` binary the way a user does and checks what they would see.
public struct DeployctlRun: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String

    public static let binary = Testbed.repository.appendingPathComponent(".build/debug/deployctl").path

    /// Runs `binary` (default: the debug build) with `arguments`, this process's environment plus `environment`,
    /// and `input` on its standard input (end of file at once without), in `directory` (default: this process's).
    public init(
        _ arguments: [String], environment: [String: String] = [:], input: Data? = nil,
        binary: String = DeployctlRun.binary, directory: String? = nil
    ) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let stdin = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        try process.run()
        if let input {
            let writer = stdin.fileHandleForWriting
            Thread.detachNewThread {
                writer.write(input)
                try? writer.close()
            }
        }
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        let stderrData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        status = process.terminationStatus
        stdout = String(decoding: stdoutData, as: UTF8.self)
        stderr = String(decoding: stderrData, as: UTF8.self)
    }
}

extension DeployctlRun {
    /// Standard output parsed as deployctl's JSON envelope; nil unless it is exactly one JSON object.
    public var envelope: [String: Any]? {
        try? JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any]
    }

    /// The envelope's `result`.
    public var result: Any? { envelope?["result"] }
}
