import Console
import Crypto
import Foundation
import Migrator
import SSH

/// A release's describing files (manifest, units, migrations, smoke SQL; not the binary) copied
/// from a folder on a host into a new temporary local folder, for a workstation that did not build
/// the release. The caller removes the folder.
///
/// Nothing the host says is taken as it is: the file names come from the release's signed
/// `SHA256SUMS` (its signature checked here, on the workstation, against the trusted release
/// keys), each name must be one of `ReleasePath`'s, each file is read by SFTP and hashed again,
/// and the manifest must name the release, hash to its `SHA256SUMS` line and describe exactly the
/// files `SHA256SUMS` lists, its id their recomputed fingerprint.
enum ReleaseCopy {
    /// Copies and checks release `release` from `remoteDirectory`. With `trusting` nil the
    /// signature is not checked (every other check is).
    static func fetch(
        from remoteDirectory: String, on host: any RemoteHost, release: String, trusting keys: [String]? = nil
    ) async throws(CommandFailure) -> String {
        let id: ReleaseID
        do throws(InvalidPlanValue) {
            id = try ReleaseID(release)
        } catch {
            throw error.failure(.checkFailed, "release", "the release \(host.label) runs")
        }
        func refused(_ why: String) -> CommandFailure {
            CommandFailure(
                .checkFailed, "release",
                "\(host.label): the copy of release \(id) in \(remoteDirectory) is refused: \(why)")
        }
        let sums = try await read(ReleaseBundle.checksumsName, of: remoteDirectory, on: host)
        if let keys {
            let signature = try await read(ReleaseBundle.signatureName, of: remoteDirectory, on: host)
            do throws(SignatureCheck.Refusal) {
                try SignatureCheck.verify(
                    String(decoding: signature, as: UTF8.self), of: sums, namespace: ReleaseBundle.signatureNamespace,
                    trusted: keys)
            } catch {
                throw refused("\(ReleaseBundle.signatureName): \(error)")
            }
        }
        let listed: [(sha256: String, path: ReleasePath)]
        do throws(InvalidPlanValue) {
            listed = try ReleasePath.checksums(String(decoding: sums, as: UTF8.self))
        } catch {
            throw refused("\(ReleaseBundle.checksumsName): \(error.description)")
        }
        let directory =
            FileManager.default.temporaryDirectory.path + "/deployctl-release-\(id)-\(UUID().uuidString.prefix(8))"
        var manifestData = Data()
        do throws(CommandFailure) {
            for (sha256, path) in listed where path.isCopied {
                let data = try await read(path.value, of: remoteDirectory, on: host)
                guard SHA256.hash(data: data).hexadecimal == sha256 else {
                    throw refused("\(path) does not match its line in \(ReleaseBundle.checksumsName)")
                }
                if path.value == ReleaseBundle.manifestName { manifestData = data }
                do {
                    try FileManager.default.createDirectory(
                        atPath: directory + "/" + path.folder, withIntermediateDirectories: true)
                    try data.write(to: URL(fileURLWithPath: directory + "/" + path.value))
                } catch {
                    throw CommandFailure(
                        .checkFailed, "release", "cannot copy release \(id) from \(host.label): \(error)")
                }
            }
            let manifest: ReleaseManifest
            do {
                manifest = try JSONDecoder().decode(ReleaseManifest.self, from: manifestData)
            } catch {
                throw refused("its manifest is not a release manifest: \(error)")
            }
            guard manifest.id == id.value else { throw refused("its manifest is release \(manifest.id)") }
            let expected = manifest.checksums(manifestSHA256: SHA256.hash(data: manifestData).hexadecimal)
            guard Data(expected.utf8) == sums else {
                throw refused("\(ReleaseBundle.checksumsName) does not list exactly the manifest's files")
            }
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        return directory
    }

    private static func read(_ path: String, of directory: String, on host: any RemoteHost)
        async throws(CommandFailure) -> Data
    {
        do throws(SSHError) {
            return try await host.read(contentsOf: directory + "/" + path, timeout: .seconds(60))
        } catch {
            throw CommandFailure(.checkFailed, "release", "\(host.label): reading \(directory)/\(path): \(error)")
        }
    }
}

/// A path inside a release folder, as `SHA256SUMS` and the manifest list them: `manifest.json`,
/// `bin/qtickets-api`, or one file name directly under `systemd/`, `migrations/` or
/// `checks/smoke/`. A name holds no `/`, is not `.` or `..`, does not start with `-` or `.`, and
/// has no control characters or spaces, so a copy can only land inside its own folder.
struct ReleasePath: Sendable, Hashable, CustomStringConvertible {
    let value: String
    /// The folder it sits in (`""` for the release folder itself).
    let folder: String

    static let folders = ["systemd", "migrations", "checks/smoke"]

    init(_ text: String) throws(InvalidPlanValue) {
        if text == ReleaseBundle.manifestName || text == ReleaseBundle.binaryPath {
            value = text
            folder = (text as NSString).deletingLastPathComponent
            return
        }
        let folder = (text as NSString).deletingLastPathComponent
        let name = String(text.dropFirst(folder.count + 1))
        guard Self.folders.contains(folder), name.wholeMatch(of: /[A-Za-z0-9_@:+=,][A-Za-z0-9_@:+=,.\-]*/) != nil,
            name.count <= 255
        else {
            throw InvalidPlanValue(
                description:
                    "'\(text)' is not a release file (manifest.json, bin/qtickets-api, or a plain file name under systemd/, migrations/ or checks/smoke/)"
            )
        }
        value = text
        self.folder = folder
    }

    /// Whether a copy of the release takes it (everything but the binary).
    var isCopied: Bool { value != ReleaseBundle.binaryPath }

    var description: String { value }

    /// The lines of a `SHA256SUMS` text, each `<64 hex digits>  <path>`, every path checked.
    static func checksums(_ text: String) throws(InvalidPlanValue) -> [(sha256: String, path: ReleasePath)] {
        var result: [(sha256: String, path: ReleasePath)] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where !line.isEmpty {
            guard let match = line.wholeMatch(of: /([0-9a-f]{64})  (.+)/) else {
                throw InvalidPlanValue(description: "line \(number + 1) is not `<sha256>  <path>`")
            }
            let path: ReleasePath
            do throws(InvalidPlanValue) {
                path = try ReleasePath(String(match.2))
            } catch {
                throw InvalidPlanValue(description: "line \(number + 1): \(error.description)")
            }
            result.append((String(match.1), path))
        }
        guard result.contains(where: { $0.path.value == ReleaseBundle.manifestName }) else {
            throw InvalidPlanValue(description: "it does not list \(ReleaseBundle.manifestName)")
        }
        return result
    }
}
