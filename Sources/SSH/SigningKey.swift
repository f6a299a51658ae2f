import Crypto
import Foundation

/// An ed25519 key for signing releases, stored as OpenSSH stores keys (`openssh-key-v1`,
/// unencrypted, file mode 0600), so that `ssh-keygen -Y sign/verify` work with the same files.
/// Signatures are SSHSIG (OpenSSH's `PROTOCOL.sshsig`, the format git also signs with), which a
/// host checks with `ssh-keygen -Y verify` and an allowed-signers file: nothing to install there.
public struct SigningKey: Sendable {
    /// The 32-byte ed25519 seed (the private key).
    private let seed: [UInt8]
    /// The comment stored with the key (conventionally `user@host`).
    public let comment: String

    /// A new random key.
    public init(comment: String) {
        seed = [UInt8](Curve25519.Signing.PrivateKey().rawRepresentation)
        self.comment = comment
    }

    private var key: Curve25519.Signing.PrivateKey {
        // The seed was checked when the key was made or read.
        try! Curve25519.Signing.PrivateKey(rawRepresentation: seed)
    }

    /// The public key as one `authorized_keys`/allowed-signers line: `ssh-ed25519 AAAA… comment`.
    public var publicKeyLine: String {
        "ssh-ed25519 " + Data(publicBlob).base64EncodedString() + (comment.isEmpty ? "" : " " + comment)
    }

    /// `SHA256:…` of the public key, as `ssh-keygen -lf` prints it.
    public var fingerprint: String { HostKey(type: "ssh-ed25519", blob: publicBlob).fingerprint }

    var publicBlob: [UInt8] {
        WireWriter.field("ssh-ed25519") + WireWriter.field([UInt8](key.publicKey.rawRepresentation))
    }

    // MARK: - Files

    /// The key in OpenSSH's private key file format.
    public var privateKeyFile: String {
        let publicKey = [UInt8](key.publicKey.rawRepresentation)
        let check = UInt32.random(in: 0...UInt32.max)
        var secret = WireWriter.uint32(check) + WireWriter.uint32(check)
        secret += WireWriter.field("ssh-ed25519") + WireWriter.field(publicKey) + WireWriter.field(seed + publicKey)
        secret += WireWriter.field(comment)
        var padding: UInt8 = 1
        while secret.count % 8 != 0 {
            secret.append(padding)
            padding += 1
        }
        var body = Array("openssh-key-v1".utf8) + [0]
        body += WireWriter.field("none") + WireWriter.field("none") + WireWriter.field([UInt8]()) + WireWriter.uint32(1)
        body += WireWriter.field(publicBlob) + WireWriter.field(secret)
        return "-----BEGIN OPENSSH PRIVATE KEY-----\n" + Self.wrapped(Data(body).base64EncodedString(), width: 70)
            + "-----END OPENSSH PRIVATE KEY-----\n"
    }

    /// Reads an unencrypted ed25519 key written by `privateKeyFile` or by `ssh-keygen -t ed25519 -N ''`.
    ///
    /// - Throws: `SigningKeyError` saying what the file is instead.
    public init(privateKeyFile text: String, path: String) throws(SigningKeyError) {
        let body = text.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        guard text.contains("BEGIN OPENSSH PRIVATE KEY"), let data = Data(base64Encoded: body) else {
            throw SigningKeyError(path: path, reason: "is not an OpenSSH private key file")
        }
        var reader = WireReader(bytes: [UInt8](data))
        let magic = Array("openssh-key-v1".utf8) + [0]
        guard reader.take(magic.count) == magic, let cipher = reader.string(), reader.string() != nil,
            reader.string() != nil,
            reader.uint32() == 1, reader.field() != nil, let secretBytes = reader.field()
        else { throw SigningKeyError(path: path, reason: "is not a readable OpenSSH private key file") }
        guard cipher == "none" else {
            throw SigningKeyError(
                path: path,
                reason: "is encrypted with a passphrase; release keys are protected by the file's mode (0600) instead")
        }
        var secret = WireReader(bytes: secretBytes)
        guard let first = secret.uint32(), secret.uint32() == first, let type = secret.string() else {
            throw SigningKeyError(path: path, reason: "has a damaged private section")
        }
        guard type == "ssh-ed25519" else {
            throw SigningKeyError(path: path, reason: "holds a \(type) key; release keys are ed25519")
        }
        guard secret.field() != nil, let pair = secret.field(), pair.count == 64, let comment = secret.string() else {
            throw SigningKeyError(path: path, reason: "has a damaged ed25519 key")
        }
        guard (try? Curve25519.Signing.PrivateKey(rawRepresentation: pair.prefix(32))) != nil else {
            throw SigningKeyError(path: path, reason: "has an invalid ed25519 key")
        }
        seed = Array(pair.prefix(32))
        self.comment = comment
    }

    /// Reads the key at `path`, refusing a file others can read.
    public static func load(path: String) throws(SigningKeyError) -> SigningKey {
        guard let data = FileManager.default.contents(atPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw SigningKeyError(
                path: path,
                reason: exists
                    ? "cannot be read"
                    : "does not exist; create a key with `deployctl release keygen` (once per team, kept off the repository)"
            )
        }
        if let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let permissions = attributes[.posixPermissions] as? Int, permissions & 0o077 != 0
        {
            throw SigningKeyError(
                path: path, reason: "is readable by others (mode \(String(permissions, radix: 8))); chmod 600 it")
        }
        return try SigningKey(privateKeyFile: String(decoding: data, as: UTF8.self), path: path)
    }

    // MARK: - Signatures

    /// An armored SSHSIG signature of `message` in `namespace` (SHA-512 of the message is signed).
    public func signature(of message: Data, namespace: String) throws -> String {
        let digest = [UInt8](SHA512.hash(data: message))
        let signed =
            Array("SSHSIG".utf8) + WireWriter.field(namespace) + WireWriter.field("") + WireWriter.field("sha512")
            + WireWriter.field(digest)
        let raw = [UInt8](try key.signature(for: Data(signed)))
        let signature = WireWriter.field("ssh-ed25519") + WireWriter.field(raw)
        let blob =
            Array("SSHSIG".utf8) + WireWriter.uint32(1) + WireWriter.field(publicBlob) + WireWriter.field(namespace)
            + WireWriter.field("") + WireWriter.field("sha512") + WireWriter.field(signature)
        return "-----BEGIN SSH SIGNATURE-----\n" + Self.wrapped(Data(blob).base64EncodedString(), width: 70)
            + "-----END SSH SIGNATURE-----\n"
    }

    private static func wrapped(_ text: String, width: Int) -> String {
        var lines: [String] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            lines.append(String(rest.prefix(width)))
            rest = rest.dropFirst(width)
        }
        return lines.map { $0 + "\n" }.joined()
    }
}

/// A release signing key that cannot be used, and why.
public struct SigningKeyError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "the release signing key \(path) \(reason)" }
}

/// SSH wire encoding: big-endian lengths before strings.
enum WireWriter {
    static func uint32(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
    }

    static func field(_ bytes: [UInt8]) -> [UInt8] { uint32(UInt32(bytes.count)) + bytes }

    static func field(_ text: String) -> [UInt8] { field(Array(text.utf8)) }
}
