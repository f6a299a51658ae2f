import Crypto
import Foundation
import Migrator

/// What a release is: every file with its SHA-256, mode and size, and where it came from.
///
/// The release id is derived from the files alone (paths, hashes, modes), so the same content is
/// the same release on every workstation, whatever the commit or the day; it is the release
/// fingerprint that verify and the gate compare.
public struct ReleaseManifest: Codable, Sendable, Equatable {
    public static let currentSchema = "deployctl-release/1"

    /// One file of the release, by its path inside the release folder.
    public struct File: Codable, Sendable, Equatable {
        public let path: String
        public let sha256: String
        /// Permission bits as octal text (`0755`), as `stat -c %a` prints them without the leading zero.
        public let mode: String
        public let size: UInt64

        public init(path: String, sha256: String, mode: String, size: UInt64) {
            self.path = path
            self.sha256 = sha256
            self.mode = mode
            self.size = size
        }
    }

    public let schema: String
    /// The release fingerprint.
    public let id: String
    /// The git commit the files were built from, when the checkout was one.
    public let revision: String?
    /// Whether the work tree had changes that commit does not hold.
    public let dirty: Bool
    /// When and by whom (`user@host`) it was built, ISO 8601 in UTC.
    public let builtAt: String
    public let builtBy: String
    /// `SHA256:…` of the key that signed it.
    public let signer: String
    public let files: [File]
    /// The Swift toolchain on the workstation that built it (`swift --version`'s first line).
    public let toolchain: String?
    /// SHA-256 of the checkout's `Package.resolved`: the dependency versions the binaries were built with.
    public let packageResolved: String?

    /// Where `bin/qtickets-api` came from: the checkout's own `make build`, or a file handed to
    /// `release build --binary`, which `revision` does not describe.
    public enum BinaryOrigin: String, Codable, Sendable { case checkout, elsewhere }
    /// Nil in a manifest written before it was recorded.
    public let binaryOrigin: BinaryOrigin?

    public init(
        revision: String?, dirty: Bool, builtAt: String, builtBy: String, signer: String, files: [File],
        toolchain: String? = nil, packageResolved: String? = nil, binaryOrigin: BinaryOrigin? = nil
    ) {
        schema = Self.currentSchema
        self.files = files.sorted { $0.path < $1.path }
        id = Self.fingerprint(of: self.files)
        self.revision = revision
        self.dirty = dirty
        self.builtAt = builtAt
        self.builtBy = builtBy
        self.signer = signer
        self.toolchain = toolchain
        self.packageResolved = packageResolved
        self.binaryOrigin = binaryOrigin
    }

    private enum CodingKeys: String, CodingKey {
        case schema, id, revision, dirty, builtAt, builtBy, signer, files, toolchain, packageResolved, binaryOrigin
    }

    /// Reads a manifest and refuses one whose id is not 16 lowercase hex digits or not the
    /// fingerprint of the files it lists, or whose file paths are not release paths: a manifest read
    /// from a host or a store is as hostile as any other input.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        schema = try container.decode(String.self, forKey: .schema)
        id = try container.decode(String.self, forKey: .id)
        revision = try container.decodeIfPresent(String.self, forKey: .revision)
        dirty = try container.decode(Bool.self, forKey: .dirty)
        builtAt = try container.decode(String.self, forKey: .builtAt)
        builtBy = try container.decode(String.self, forKey: .builtBy)
        signer = try container.decode(String.self, forKey: .signer)
        files = try container.decode([File].self, forKey: .files)
        toolchain = try container.decodeIfPresent(String.self, forKey: .toolchain)
        packageResolved = try container.decodeIfPresent(String.self, forKey: .packageResolved)
        binaryOrigin = try container.decodeIfPresent(BinaryOrigin.self, forKey: .binaryOrigin)
        do throws(InvalidPlanValue) {
            _ = try ReleaseID(id)
            for file in files {
                _ = try ReleasePath(file.path)
                guard ["644", "755"].contains(file.mode), file.sha256.wholeMatch(of: /[0-9a-f]{64}/) != nil else {
                    throw InvalidPlanValue(
                        description: "\(file.path) has mode '\(file.mode)' or a digest that is not SHA-256")
                }
            }
        } catch {
            throw DecodingError.dataCorruptedError(forKey: .id, in: container, debugDescription: error.description)
        }
        guard Self.fingerprint(of: files) == id else {
            throw DecodingError.dataCorruptedError(
                forKey: .id, in: container,
                debugDescription: "'\(id)' is not the fingerprint of the files the manifest lists")
        }
    }

    /// The first 16 hex digits of the SHA-256 of `path sha256 mode` lines, one per file in path order.
    public static func fingerprint(of files: [File]) -> String {
        let lines = files.sorted { $0.path < $1.path }.map { "\($0.path) \($0.sha256) \($0.mode)\n" }.joined()
        return String(SHA256.hash(data: Data(lines.utf8)).hexadecimal.prefix(16))
    }

    /// The file at `path`, if the release has one.
    public func file(_ path: String) -> File? { files.first { $0.path == path } }

    /// The unit files (`systemd/…`), by file name.
    public var units: [File] { files.filter { $0.path.hasPrefix("systemd/") } }

    /// `sha256sum -c` input for every file and for the manifest itself (whose hash is `manifestSHA256`).
    public func checksums(manifestSHA256: String) -> String {
        (files.map { "\($0.sha256)  \($0.path)\n" } + ["\(manifestSHA256)  \(ReleaseBundle.manifestName)\n"]).joined()
    }

    /// The manifest as its file holds it: pretty JSON with sorted keys.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self) + Data("\n".utf8)
    }
}

/// The files of a release folder that describe it rather than belong to it.
public enum ReleaseBundle {
    /// The manifest (JSON).
    public static let manifestName = "manifest.json"
    /// `sha256sum -c` input covering every file and the manifest; the signed document.
    public static let checksumsName = "SHA256SUMS"
    /// The SSHSIG signature of `SHA256SUMS`.
    public static let signatureName = "SHA256SUMS.sig"
    /// The release id, one line, read by the loader for `meta_job_runs.release_id`.
    public static let markerName = "RELEASE"
    /// The namespace of release signatures (`ssh-keygen -Y … -n`).
    public static let signatureNamespace = "deployctl-release"
    /// The principal the hosts' allowed-signers file names the team's keys with (`ssh-keygen -Y verify -I`).
    public static let signerIdentity = "deployctl-release"
    /// What the release carries, relative to the checkout: the folders whose files go in.
    public static let sourceFolders = ["systemd", "migrations", "checks/smoke"]
    /// Where the loader binary goes inside a release.
    public static let binaryPath = "bin/qtickets-api"
}
