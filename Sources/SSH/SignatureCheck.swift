import Crypto
import Foundation

/// Checks an armored SSHSIG signature (OpenSSH's `PROTOCOL.sshsig`, as `SigningKey` and
/// `ssh-keygen -Y sign` write it) on the workstation, as `ssh-keygen -Y verify` does on a host:
/// the signature's key must be one of the trusted `ssh-ed25519` lines and the namespace must match.
public enum SignatureCheck {
    /// A signature that does not prove what was asked, and why.
    public struct Refusal: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Returns the `SHA256:…` fingerprint of the trusted key that signed `message` in `namespace`.
    ///
    /// - Throws: `Refusal` for an unreadable signature, another namespace, a key not in `trusted`,
    ///   or a signature that does not match the message.
    @discardableResult
    public static func verify(_ armored: String, of message: Data, namespace: String, trusted: [String])
        throws(Refusal) -> String
    {
        let body = armored.split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("-----") }.joined()
        guard armored.contains("BEGIN SSH SIGNATURE"), let data = Data(base64Encoded: body) else {
            throw Refusal(description: "the signature is not an armored SSH signature")
        }
        var reader = WireReader(bytes: [UInt8](data))
        guard reader.take(6) == Array("SSHSIG".utf8), reader.uint32() == 1, let publicBlob = reader.field(),
            let signedNamespace = reader.string(), let reserved = reader.field(), let hash = reader.string(),
            let signatureBlob = reader.field(), reader.offset == reader.bytes.count
        else { throw Refusal(description: "the signature is not a readable SSHSIG blob") }
        guard signedNamespace == namespace else {
            throw Refusal(description: "the signature is for namespace '\(signedNamespace)', not '\(namespace)'")
        }
        let keys = trusted.compactMap(publicBlob(ofLine:))
        let fingerprint = HostKey(type: "ssh-ed25519", blob: publicBlob).fingerprint
        guard keys.contains(publicBlob) else {
            throw Refusal(description: "the signature is by \(fingerprint), which is not a trusted key")
        }
        var key = WireReader(bytes: publicBlob)
        var signature = WireReader(bytes: signatureBlob)
        guard key.string() == "ssh-ed25519", let raw = key.field(),
            let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: raw),
            signature.string() == "ssh-ed25519", let value = signature.field()
        else { throw Refusal(description: "the signature is not an ed25519 signature") }
        let digest: [UInt8]
        switch hash {
        case "sha512": digest = [UInt8](SHA512.hash(data: message))
        case "sha256": digest = [UInt8](SHA256.hash(data: message))
        default: throw Refusal(description: "the signature uses the unknown hash '\(hash)'")
        }
        let signed =
            Array("SSHSIG".utf8) + WireWriter.field(namespace) + WireWriter.field(reserved) + WireWriter.field(hash)
            + WireWriter.field(digest)
        guard publicKey.isValidSignature(value, for: Data(signed)) else {
            throw Refusal(description: "the signature by \(fingerprint) does not match the signed content")
        }
        return fingerprint
    }

    /// The key blob of an `ssh-ed25519 AAAA… comment` line (an allowed-signers line may start with
    /// principals and options, so the type is looked for among the words).
    static func publicBlob(ofLine line: String) -> [UInt8]? {
        let words = line.split(whereSeparator: \.isWhitespace).map(String.init)
        guard let index = words.firstIndex(of: "ssh-ed25519"), index + 1 < words.count,
            let data = Data(base64Encoded: words[index + 1])
        else { return nil }
        return [UInt8](data)
    }
}
