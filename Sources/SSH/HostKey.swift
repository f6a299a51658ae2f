import Crypto
import Foundation

/// A server's public host key, as presented during the handshake or recorded in known_hosts.
public struct HostKey: Sendable, Equatable {
    /// The key's algorithm name as OpenSSH writes it (`ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`…).
    public let type: String
    /// The key blob in SSH wire format.
    public let blob: [UInt8]

    /// Creates a key from its type name and wire-format blob.
    public init(type: String, blob: [UInt8]) {
        self.type = type
        self.blob = blob
    }

    /// The fingerprint exactly as `ssh-keygen -lf` prints it: `SHA256:` and unpadded base64.
    public var fingerprint: String {
        let digest = SHA256.hash(data: blob)
        let base64 = Data(digest).base64EncodedString()
        return "SHA256:" + base64.trimmingCharacters(in: CharacterSet(charactersIn: "="))
    }

    /// The key type in the short form ssh-keygen prints in parentheses (`ED25519`, `ECDSA`, `RSA`).
    public var displayType: String {
        switch type {
        case "ssh-ed25519": "ED25519"
        case "ssh-rsa": "RSA"
        case "ssh-dss": "DSA"
        default: type.hasPrefix("ecdsa-") ? "ECDSA" : type
        }
    }

    /// The key as the middle of a known_hosts line: `type base64`.
    public var openSSHPublicKey: String {
        "\(type) \(Data(blob).base64EncodedString())"
    }
}
