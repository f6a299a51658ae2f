import Console
import Foundation
import HostScripts
import SSH

/// A release's describing files (manifest, units, migrations, smoke SQL; not the binary) copied
/// from a folder on a host into a new temporary local folder, for a workstation that did not build
/// the release. The caller removes the folder.
enum ReleaseCopy {
    static func fetch(from remoteDirectory: String, on host: any RemoteHost, release: String)
        async throws(CommandFailure) -> String
    {
        let listing = try await HostScript(host: host).require(
            .releaseFiles, [remoteDirectory], step: "reading release \(release) from \(remoteDirectory)")
        let directory =
            FileManager.default.temporaryDirectory.path + "/deployctl-release-\(release)-\(UUID().uuidString.prefix(8))"
        do {
            for (path, text) in ScriptAnswer(listing.stdoutText).named("file:") {
                let target = directory + "/" + path
                try FileManager.default.createDirectory(
                    atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try Data(text.utf8).write(to: URL(fileURLWithPath: target))
            }
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw CommandFailure(.checkFailed, "release", "cannot copy release \(release) from \(host.label): \(error)")
        }
        return directory
    }
}
