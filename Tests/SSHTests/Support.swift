import Foundation
import SSH
import Testbed
import Testing

/// Runs a local program and returns its standard output; a non-zero exit fails the test.
@discardableResult
func runLocal(_ arguments: [String], input: Data? = nil) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    if let input {
        let stdin = Pipe()
        process.standardInput = stdin
        try process.run()
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
    } else {
        try process.run()
    }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw TestbedUnavailable("`\(arguments.joined(separator: " "))` exited with \(process.terminationStatus)")
    }
    return String(decoding: data, as: UTF8.self)
}

extension Testbed {
    /// The host that routine tests use.
    var routineHost: Host { host("museshow") }
    /// The host that disruptive tests (killing sshd sessions) use, so they disturb no other test.
    var disruptableHost: Host { host("prod2") }
}
