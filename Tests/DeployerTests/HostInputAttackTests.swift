import Crypto
import Foundation
import SSH
import Testing

@testable import Deployer

/// The threat model's pure-parsing half: what a compromised host (or a hand-edited store) can hand
/// the workstation — file names, manifests, signatures — and how each is refused before it is used.
/// The same attacks performed on a testbed host are in DeployctlTests' AttackTests.
@Suite("Attacks by host input: release paths, manifests and signatures are checked on the workstation")
struct HostInputAttackTests {
    @Test(
        "a host's file names cannot leave the copy folder: ../, absolute paths, leading - or ., nested folders, spaces and newlines are refused",
        arguments: [
            "../../x", "migrations/../../x", "/etc/passwd", "systemd/-rf", "systemd/.bashrc", "systemd/a b.service",
            "migrations/sub/0001_a.up.sql", "checks/x.sql", "systemd/", "systemd/a\nb", "RELEASE", "../manifest.json",
        ])
    func hostOutputCannotWriteOutsideCopyFolder(_ path: String) {
        #expect(throws: InvalidPlanValue.self) { try ReleasePath(path) }
        let sums =
            "\(String(repeating: "0", count: 64))  manifest.json\n\(String(repeating: "1", count: 64))  \(path)\n"
        #expect(throws: InvalidPlanValue.self) { try ReleasePath.checksums(sums) }
    }

    @Test("the release's own paths are accepted, each in its one folder")
    func releasePathsAreAccepted() throws {
        for path in [
            "manifest.json", "bin/qtickets-api", "systemd/qtickets_api.service",
            "migrations/0001_staging_orders.up.sql",
            "checks/smoke/freshness.sql",
        ] {
            #expect(try ReleasePath(path).value == path)
        }
        #expect(try ReleasePath("checks/smoke/freshness.sql").folder == "checks/smoke")
    }

    static func manifest() -> ReleaseManifest {
        ReleaseManifest(
            revision: "abc", dirty: false, builtAt: "2026-12-06T00:00:00Z", builtBy: "test@host", signer: "SHA256:x",
            files: [
                .init(
                    path: "systemd/qtickets_api.service", sha256: String(repeating: "a", count: 64), mode: "644",
                    size: 1)
            ])
    }

    /// The manifest's JSON with `edit` applied to its dictionary.
    static func edited(_ edit: (inout [String: Any]) -> Void) throws -> Data {
        var object = try #require(JSONSerialization.jsonObject(with: manifest().encoded()) as? [String: Any])
        edit(&object)
        return try JSONSerialization.data(withJSONObject: object)
    }

    @Test(
        "a manifest whose id is shell text, or not the fingerprint of its files, or with odd modes or paths, is refused"
    )
    func hostManifestIdCannotBeShellText() throws {
        #expect(throws: Never.self) { try JSONDecoder().decode(ReleaseManifest.self, from: Self.manifest().encoded()) }
        let hostile: [(String, (inout [String: Any]) -> Void)] = [
            ("shell id", { $0["id"] = "x; touch /tmp/pwned" }),
            ("another release's id", { $0["id"] = "0123456789abcdef" }),
            (
                "setuid mode",
                {
                    $0["files"] = [
                        [
                            "path": "systemd/a.service", "sha256": String(repeating: "a", count: 64), "mode": "4755",
                            "size": 1,
                        ]
                    ]
                }
            ),
            (
                "escaping path",
                {
                    $0["files"] = [
                        ["path": "../../x", "sha256": String(repeating: "a", count: 64), "mode": "644", "size": 1]
                    ]
                }
            ),
        ]
        for (name, edit) in hostile {
            let data = try Self.edited(edit)
            #expect(throws: DecodingError.self, "\(name)") {
                try JSONDecoder().decode(ReleaseManifest.self, from: data)
            }
        }
    }

    @Test(
        "a SHA256SUMS signature is checked on the workstation: a trusted key passes; another key, another namespace, altered content and garbage are refused"
    )
    func forgedReleaseSignatureIsRefused() throws {
        let trusted = SigningKey(comment: "team@deployctl")
        let stranger = SigningKey(comment: "attacker@host")
        let sums = Data("\(String(repeating: "0", count: 64))  manifest.json\n".utf8)
        let namespace = ReleaseBundle.signatureNamespace
        let good = try trusted.signature(of: sums, namespace: namespace)
        #expect(
            try SignatureCheck.verify(good, of: sums, namespace: namespace, trusted: [trusted.publicKeyLine])
                == trusted.fingerprint)
        let cases: [(String, String, Data, [String])] = [
            ("another key", try stranger.signature(of: sums, namespace: namespace), sums, [trusted.publicKeyLine]),
            ("no trusted keys", good, sums, []),
            ("another namespace", try trusted.signature(of: sums, namespace: "git"), sums, [trusted.publicKeyLine]),
            ("altered content", good, sums + Data("x".utf8), [trusted.publicKeyLine]),
            (
                "not a signature", "-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----\n", sums,
                [
                    trusted.publicKeyLine
                ]
            ),
        ]
        for (name, signature, message, keys) in cases {
            #expect(throws: SignatureCheck.Refusal.self, "\(name)") {
                try SignatureCheck.verify(signature, of: message, namespace: namespace, trusted: keys)
            }
        }
    }
}
