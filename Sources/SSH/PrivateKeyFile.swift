import Foundation

/// What deployctl needs to know about a private key file before offering it to a server.
///
/// The key's algorithm is readable without the passphrase (OpenSSH's format stores the public key
/// in clear), which lets an RSA key be refused with a useful message instead of the server's bare
/// "Username/PublicKey combination invalid".
struct PrivateKeyFile {
    enum Algorithm: Equatable {
        case ed25519, ecdsa, rsa, dsa
        case other(String)
    }

    let path: String
    let algorithm: Algorithm
    let encrypted: Bool

    static func inspect(path: String, label: String) throws(SSHError) -> PrivateKeyFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "is not readable" : "does not exist"
            throw SSHError(.privateKeyFile, "\(label): the private key file \(path) \(reason)")
        }
        let text = String(decoding: data, as: UTF8.self)
        if text.contains("BEGIN RSA PRIVATE KEY") {
            return PrivateKeyFile(path: path, algorithm: .rsa, encrypted: text.contains("ENCRYPTED"))
        }
        if text.contains("BEGIN EC PRIVATE KEY") {
            return PrivateKeyFile(path: path, algorithm: .ecdsa, encrypted: text.contains("ENCRYPTED"))
        }
        if text.contains("BEGIN DSA PRIVATE KEY") {
            return PrivateKeyFile(path: path, algorithm: .dsa, encrypted: text.contains("ENCRYPTED"))
        }
        if text.contains("BEGIN OPENSSH PRIVATE KEY"), let parsed = parseOpenSSH(text) {
            return PrivateKeyFile(path: path, algorithm: parsed.algorithm, encrypted: parsed.encrypted)
        }
        if text.contains("PRIVATE KEY") {
            return PrivateKeyFile(path: path, algorithm: .other("PKCS#8"), encrypted: text.contains("ENCRYPTED"))
        }
        throw SSHError(
            .privateKeyFile, "\(label): \(path) is not a private key file (expected an OpenSSH or PEM private key)")
    }

    /// `openssh-key-v1\0`, then strings: cipher, kdf, kdf options, a key count, and the first public key blob.
    private static func parseOpenSSH(_ text: String) -> (algorithm: Algorithm, encrypted: Bool)? {
        let body = text.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        guard let data = Data(base64Encoded: body) else { return nil }
        var reader = WireReader(bytes: [UInt8](data))
        let magic = Array("openssh-key-v1".utf8) + [0]
        guard reader.take(magic.count) == magic,
            let cipher = reader.string(), reader.string() != nil, reader.string() != nil,
            reader.uint32() != nil, let publicBlob = reader.field()
        else { return nil }
        var blobReader = WireReader(bytes: publicBlob)
        guard let type = blobReader.string() else { return nil }
        let algorithm: Algorithm =
            switch type {
            case "ssh-ed25519": .ed25519
            case "ssh-rsa": .rsa
            case "ssh-dss": .dsa
            default: type.hasPrefix("ecdsa-") ? .ecdsa : .other(type)
            }
        return (algorithm, cipher != "none")
    }
}

/// Reads SSH wire-format fields (RFC 4251 §5).
struct WireReader {
    let bytes: [UInt8]
    var offset = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func take(_ count: Int) -> [UInt8]? {
        guard count >= 0, offset + count <= bytes.count else { return nil }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    mutating func uint32() -> UInt32? {
        guard let raw = take(4) else { return nil }
        return raw.reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func field() -> [UInt8]? {
        guard let length = uint32() else { return nil }
        return take(Int(length))
    }

    mutating func string() -> String? {
        field().map { String(decoding: $0, as: UTF8.self) }
    }
}
