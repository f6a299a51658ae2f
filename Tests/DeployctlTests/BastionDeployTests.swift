import Foundation
import Testbed
import Testing

/// A production host behind a bastion: prod2's second sshd admits only museshow's end of a private
/// link (`BastionRoute`), so the workstation is refused there and deploys and verifies through
/// museshow as the jump host.
@Suite("deploy and verify through a bastion: a host whose sshd refuses the workstation", .serialized)
struct BastionDeployTests {
    /// The environment file's one host at `address:port`, with `jump` when given, trusting `knownHosts`.
    static func pointed(_ text: String, address: String, port: Int, jump: String?, knownHosts: String) -> String {
        text.replacingOccurrences(
            of: #"address = "[^"]*"\nport = [0-9]+"#,
            with: "address = \"\(address)\"\nport = \(port)" + (jump.map { "\njump = \"\($0)\"" } ?? ""),
            options: .regularExpression
        )
        .replacingOccurrences(
            of: #"known_hosts = "[^"]*""#, with: "known_hosts = \"\(knownHosts)\"", options: .regularExpression)
    }

    @Test("a direct connection is refused; setup, deploy and verify through the jump host pass")
    func deployAndVerifyThroughTheBastion() async throws {
        let testbed = try Testbed.current()
        let scratch = try TemporaryDirectory("bastion")
        let route = try BastionRoute.open(testbed, in: scratch)
        defer { route.close() }
        let fixture = try await DeployFixture {
            Self.pointed($0, address: route.address, port: route.port, jump: route.jump, knownHosts: route.knownHosts)
        }
        let reports = try TemporaryDirectory("bastion-reports")
        do {
            let host = DeployFixture.host
            let original = try String(contentsOfFile: fixture.environments + "/\(host).toml", encoding: .utf8)
            try Self.pointed(
                original.replacingOccurrences(of: #"\njump = "[^"]*""#, with: "", options: .regularExpression),
                address: route.directAddress, port: route.directPort, jump: nil, knownHosts: route.knownHosts
            )
            .replacingOccurrences(of: "name = \"\(host)\"", with: "name = \"direct\"")
            .write(toFile: fixture.environments + "/direct.toml", atomically: true, encoding: .utf8)
            let direct = try fixture.deployctl(["env", "check", "direct"])
            #expect(direct.status == 3, "\(direct.stdout)\(direct.stderr)")
            #expect(direct.stdout.contains("direct: the server refused the key"), "\(direct.stdout)")

            let through = try fixture.deployctl(["exec", host, "--", "echo $SSH_CONNECTION"])
            #expect(through.status == 0, "\(through.stdout)\(through.stderr)")
            #expect(through.stdout.contains(" \(route.address) \(route.port)"), "\(through.stdout)")

            let release = try DeployTests.buildID(fixture, ["--checkout", Testbed.repository.path, "--allow-dirty"])
            #expect(try fixture.deployctl(["setup", host]).status == 0)
            #expect(try fixture.deployctl(["secrets", "push", host, "--from", fixture.envFile()]).status == 0)
            let deployed = try fixture.deployctl(["deploy", host, "--release", release])
            #expect(deployed.status == 0, "\(deployed.stdout)\(deployed.stderr)")
            #expect(deployed.stdout.contains("runs \(release)"), "\(deployed.stdout)")
            let verified = try fixture.deployctl(["verify", host, "--output-dir", reports.path])
            #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        } catch {
            Issue.record(error)
        }
        await fixture.cleanup()
    }
}
