import Foundation
import Testbed
import Testing

/// What a deploy sends: only the release files whose content the host's object store lacks or
/// holds corrupt, and what pruning leaves of that store, on the testbed host prod2 (real sshd and
/// systemd). Everything the test puts on prod2 is removed at the end.
@Suite("deploy sends only the release files the host lacks", .serialized)
struct ReleaseTransferTests {
    static let host = DeployTests.host
    static let root = "/opt/zakaz_dashboard"

    @Test(
        "a unit-only release sends no binary; a corrupt object on the host is found and sent again; pruning keeps every object of every kept release and removes the others"
    )
    func contentAddressedTransfer() async throws {
        let fixture = try await DeployFixture {
            $0.replacingOccurrences(of: "[app]\n", with: "[app]\nkeep_releases = 2\n")
        }
        do {
            try await walkThrough(fixture)
        } catch {
            Issue.record(error)
        }
        await fixture.cleanup()
    }

    /// The transfer a plan (a dry run's result, or a deploy's `plan`) shows for the host.
    static func transfer(_ plan: Any?) -> [String: Any] {
        (((plan as? [String: Any])?["hosts"] as? [[String: Any]])?.first?["transfer"] as? [String: Any]) ?? [:]
    }

    /// A release of the repository's files with the timer's RandomizedDelaySec set to `delay`, and the checkout's binary.
    static func unitOnly(_ fixture: DeployFixture, delay: Int) throws -> String {
        try FaultTests.release(
            fixture,
            units: [
                "qtickets_api.timer": {
                    $0.replacingOccurrences(of: "RandomizedDelaySec=60", with: "RandomizedDelaySec=\(delay)")
                }
            ])
    }

    private func walkThrough(_ fixture: DeployFixture) async throws {
        let host = Self.host
        let first = try DeployTests.buildID(fixture, ["--checkout", Testbed.repository.path, "--allow-dirty"])
        #expect(try fixture.deployctl(["setup", host]).status == 0)
        #expect(try fixture.deployctl(["secrets", "push", host, "--from", fixture.envFile()]).status == 0)
        let initial = try fixture.deployctl(["--json", "deploy", host, "--release", first])
        #expect(initial.status == 0, "\(initial.stdout)\(initial.stderr)")
        let everything = Self.transfer(DeployTests.result(initial)["plan"])
        #expect((everything["files"] as? [String])?.contains("bin/qtickets-api") == true, "\(everything)")

        // Only a unit changes: the plan says kilobytes travel, the deploy sends no binary.
        let second = try Self.unitOnly(fixture, delay: 75)
        let dryRun = try fixture.deployctl(["--json", "deploy", host, "--release", second, "--dry-run"])
        let planned = Self.transfer(DeployTests.result(dryRun))
        let files = planned["files"] as? [String] ?? []
        let wire = planned["wireBytes"] as? Int ?? .max
        #expect(
            !files.contains("bin/qtickets-api") && files.contains("systemd/qtickets_api.timer") && wire < 64 * 1024,
            "\(dryRun.stdout)")
        let text = try fixture.deployctl(["deploy", host, "--release", second, "--dry-run"])
        #expect(text.stdout.contains("release files: send \(files.count) of "), "\(text.stdout)")
        let deployed = try fixture.deployctl(["--json", "deploy", host, "--release", second])
        #expect(deployed.status == 0, "\(deployed.stdout)\(deployed.stderr)")
        #expect(Self.transfer(DeployTests.result(deployed)["plan"])["wireBytes"] as? Int == wire)
        let inodes = try await fixture.run(
            "stat -c %i \(Self.root)/releases/\(first)/bin/qtickets-api \(Self.root)/releases/\(second)/bin/qtickets-api"
        ).split(separator: "\n")
        #expect(inodes.count == 2 && inodes[0] == inodes[1], "both releases link the one binary object: \(inodes)")

        // A corrupt object on the host (a migration file both releases hold) is found and sent again.
        let sums = try await fixture.run("cat \(Self.root)/releases/\(second)/SHA256SUMS")
        let line = try #require(sums.split(separator: "\n").first { $0.contains("  migrations/") })
        let hash = String(line.prefix(64))
        let path = String(line.dropFirst(66))
        let object = "\(Self.root)/shared/objects/\(hash.prefix(2))/\(hash.dropFirst(2))"
        _ = try await fixture.run("echo corrupt >> \(object)")
        let third = try Self.unitOnly(fixture, delay: 90)
        let repair = try fixture.deployctl(["--json", "deploy", host, "--release", third, "--dry-run"])
        let resent = Self.transfer(DeployTests.result(repair))
        #expect(
            resent["corrupt"] as? [String] == [path] && (resent["files"] as? [String])?.contains(path) == true
                && (resent["files"] as? [String])?.contains("bin/qtickets-api") == false, "\(repair.stdout)")
        let repaired = try fixture.deployctl(["--json", "deploy", host, "--release", third])
        #expect(repaired.status == 0, "\(repaired.stdout)\(repaired.stderr)")
        #expect(try await fixture.run("sha256sum < \(object) | cut -c1-64") == hash + "\n")

        // keep_releases = 2: the first release is pruned; the store holds exactly the objects the kept releases list.
        #expect(try await fixture.run("ls \(Self.root)/releases") == "\(second)\n\(third)\n".sortedLines)
        let store = try await fixture.run(
            """
            cd \(Self.root)
            cat releases/*/SHA256SUMS | cut -c1-64 | sort -u > /tmp/deployctl-used
            (cd shared/objects && find . -type f | tr -d ./ | sort) > /tmp/deployctl-stored
            for r in releases/*/; do (cd "$r" && sha256sum --quiet -c SHA256SUMS) || echo "broken $r"; done
            diff /tmp/deployctl-used /tmp/deployctl-stored && echo same
            rm -f /tmp/deployctl-used /tmp/deployctl-stored
            """)
        #expect(store == "same\n", "\(store)")
        let firstSums = try String(
            contentsOfFile: fixture.directory.file("releases/\(first)/SHA256SUMS"), encoding: .utf8)
        let firstTimer = try #require(
            firstSums.split(separator: "\n").first { $0.hasSuffix("  systemd/qtickets_api.timer") }?.prefix(64))
        #expect(
            try await fixture.run(
                "test -e \(Self.root)/shared/objects/\(firstTimer.prefix(2))/\(firstTimer.dropFirst(2)) && echo kept || echo removed"
            ) == "removed\n", "the first release's timer, which no kept release holds, is gone")
    }
}

extension String {
    /// The lines sorted, each ending in a newline.
    fileprivate var sortedLines: String { split(separator: "\n").sorted().map { $0 + "\n" }.joined() }
}
