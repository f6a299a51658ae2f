import ArgumentParser
import EnvFile
import QTicketsLoader

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `qtickets-api check-config --env-file FILE`: whether the loader and the healthcheck accept an env
/// file as systemd hands it to them (the file alone, not this shell's variables). Problems are named
/// by variable, never by value. deployctl runs the new release's binary for this on the host before
/// it switches a release in.
struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Check an env file as the units will read it: every problem named by variable, never by value.",
        discussion: "Exit status: 0 the file is accepted, 78 it is not (each problem on its own line).")

    @Option(name: .customLong("env-file"), help: "The KEY=VALUE file the units' EnvironmentFile= names.")
    var environmentFile: String

    func run() throws {
        var problems: [String] = []
        var names: [String] = []
        do {
            let values = try EnvironmentFile(path: environmentFile).values
            names = values.keys.sorted()
            do {
                _ = try PipelineConfiguration(environment: values, releaseID: ReleaseMarker.current())
            } catch {
                problems += error.problems.map(\.message)
            }
            do {
                _ = try HealthcheckConfiguration(environment: values)
            } catch {
                problems += error.problems.map(\.message).filter { !problems.contains($0) }
            }
        } catch {
            problems += error.problems.map(\.message)
        }
        guard problems.isEmpty else {
            for problem in problems { print("problem: \(problem)") }
            throw ExitCode(ExitStatus.invalidConfiguration)
        }
        print("ok: \(environmentFile) sets \(names.count) variable(s), accepted: \(names.joined(separator: " "))")
    }
}
