import Foundation

/// The systemd units of the QTickets pipeline: every unit file in the release's `systemd/` folder.
/// This folder is the only list of them; everything that installs or watches units reads it.
public struct PipelineUnits: Sendable, Equatable {
    /// The folder the units were read from.
    public let directory: String
    /// Unit file names, sorted (`qtickets_api.service`, `qtickets_api.timer`, …).
    public let names: [String]

    /// The unit kinds the pipeline ships.
    static let suffixes = [".service", ".timer"]

    public init(directory: String, names: [String]) {
        self.directory = directory
        self.names = names
    }

    /// Reads the unit file names in `directory`.
    ///
    /// - Throws: `PipelineUnitsError` when the folder cannot be read or holds no unit file.
    public static func load(from directory: String) throws(PipelineUnitsError) -> PipelineUnits {
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw PipelineUnitsError(directory: directory, reason: "cannot be read (\(error.localizedDescription))")
        }
        let names = files.filter { name in suffixes.contains { name.hasSuffix($0) } }.sorted()
        guard !names.isEmpty else {
            throw PipelineUnitsError(directory: directory, reason: "holds no .service or .timer file")
        }
        return PipelineUnits(directory: directory, names: names)
    }

    /// The path of one unit file.
    public func path(of name: String) -> String { directory + "/" + name }
}

/// The units folder cannot be used.
public struct PipelineUnitsError: Error, Sendable, CustomStringConvertible {
    public let directory: String
    public let reason: String
    public var description: String { "the units folder \(directory) \(reason)" }
}
