import Foundation
import SSH
import Testbed
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite(
    "deployctl reaches hosts by ssh_config alias and through jump hosts, against the testbed",
    .enabled(if: Testbed.isLocalRun, "needs the testbed: sshd processes are started on prod2"))
struct JumpHostCommandTests {
    let testbed: Testbed
    let environments: String
    let scratch: TemporaryDirectory

    init() throws {
        testbed = try Testbed.current()
        environments = try #require(testbed.environments, "the testbed writes environment files")
        scratch = try TemporaryDirectory("jump-cli")
        try FileManager.default.createDirectory(atPath: scratch.file("environments"), withIntermediateDirectories: true)
    }

    /// The testbed's museshow environment as `name`, its `[ssh]` and `[[hosts]]` replaced by `connection`.
    private func writeEnvironment(_ name: String, _ connection: String) throws {
        let original = try String(contentsOfFile: environments + "/museshow.toml", encoding: .utf8)
        let start = try #require(original.range(of: "[ssh]"))
        let end = try #require(original.range(of: "[app]"))
        let text = original[..<start.lowerBound] + connection + "\n\n" + original[end.lowerBound...]
        try String(text).write(toFile: scratch.file("environments/\(name).toml"), atomically: true, encoding: .utf8)
    }

    private func deployctl(_ arguments: String..., home: String? = nil) throws -> DeployctlRun {
        try DeployctlRun(
            ["--env-dir", scratch.file("environments")] + arguments, environment: home.map { ["HOME": $0] } ?? [:])
    }

    /// `[ssh]` for the testbed's key, `known_hosts` and no ssh_config.
    private func sshSection(knownHosts: String) -> String {
        """
        [ssh]
        user = "root"
        identity_file = "\(testbed.keys.ed25519)"
        known_hosts = "\(knownHosts)"
        config = false
        """
    }

    private var bastion: Testbed.Host { testbed.host("prod2") }

    @Test("a host named by its ~/.ssh/config alias gets HostName, User, IdentityFile and known_hosts from there")
    func aliasFromUserConfig() throws {
        let home = scratch.file("home")
        try FileManager.default.createDirectory(atPath: home + "/.ssh", withIntermediateDirectories: true)
        let host = testbed.host("museshow")
        try """
        Host staging-alias
            HostName \(host.address)
            User \(host.user)
            IdentityFile \(testbed.keys.ed25519)
            UserKnownHostsFile \(testbed.knownHosts)
            ServerAliveInterval 20
            ForwardAgent no
        """.write(toFile: home + "/.ssh/config", atomically: true, encoding: .utf8)
        try writeEnvironment("aliased", "[[hosts]]\nname = \"staging\"\naddress = \"staging-alias\"")

        let run = try deployctl("exec", "aliased", "--", "hostname", home: home)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == host.name + "\n")

        let shown = try deployctl("env", "show", "aliased", "--json", home: home)
        let settings = try #require(
            ((shown.result as? [String: Any])?["hosts"] as? [[String: Any]])?.first?["settings"] as? [[String: Any]])
        let byName = Dictionary(uniqueKeysWithValues: settings.map { ($0["name"] as! String, $0) })
        #expect(byName["address"]?["value"] as? String == host.address)
        let origin = byName["address"]?["origin"] as? [String: Any]
        #expect(origin?["file"] as? String == home + "/.ssh/config")
        #expect(origin?["line"] as? Int == 2)
        #expect((byName["keepalive"]?["origin"] as? [String: Any])?["line"] as? Int == 6)
        let text = try deployctl("env", "show", "aliased", home: home)
        #expect(text.stdout.contains("alias staging-alias"))
        #expect(text.stdout.contains("~/.ssh/config:3"))
        #expect(text.stdout.contains("ssh_config keyword(s) ignored; -v lists them"))
        let verbose = try deployctl("env", "show", "aliased", "-v", home: home)
        #expect(verbose.stdout.contains("ignored ssh_config keyword ForwardAgent (~/.ssh/config:7)"))
    }

    @Test("hosts one and two jump hosts away run commands, each through its own chain")
    func throughJumpHosts() throws {
        let inner = try InnerSSHServers.start(on: testbed.configuration(for: bastion), count: 2)
        defer { inner.stop() }
        let knownHosts = scratch.file("known_hosts")
        try (String(contentsOfFile: testbed.knownHosts, encoding: .utf8) + inner.knownHostsLines)
            .write(toFile: knownHosts, atomically: true, encoding: .utf8)
        try writeEnvironment(
            "behind",
            sshSection(knownHosts: knownHosts) + """

                jump = "root@\(bastion.address)"

                [[hosts]]
                name = "inner-one"
                address = "127.0.0.1"
                port = \(inner.ports[0])

                [[hosts]]
                name = "inner-two"
                address = "127.0.0.1"
                port = \(inner.ports[1])
                jump = "root@\(bastion.address),root@127.0.0.1:\(inner.ports[0])"
                """)
        let run = try deployctl("exec", "behind", "--", "echo $SSH_CONNECTION")
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("inner-one") && $0.hasSuffix(" 127.0.0.1 \(inner.ports[0])") })
        #expect(lines.contains { $0.hasPrefix("inner-two") && $0.hasSuffix(" 127.0.0.1 \(inner.ports[1])") })

        let shown = try deployctl("env", "show", "behind")
        #expect(shown.stdout.contains("jump host 2 root@127.0.0.1:\(inner.ports[0])"))
    }

    @Test("an unknown jump host key is refused naming the hop; trust records the jump host's key and the host's")
    func trustRecordsBothKeys() throws {
        let inner = try InnerSSHServers.start(on: testbed.configuration(for: bastion), count: 1)
        defer { inner.stop() }
        let knownHosts = scratch.file("known_hosts")
        try writeEnvironment(
            "behind",
            sshSection(knownHosts: knownHosts) + """

                [[hosts]]
                name = "inner"
                address = "127.0.0.1"
                port = \(inner.ports[0])
                jump = "root@\(bastion.address)"
                """)
        let refused = try deployctl("env", "check", "behind")
        #expect(refused.status == 3)
        #expect(refused.stdout.contains("root@\(bastion.address) (jump host 1): the host key is not known"))
        #expect(refused.stdout.contains("SHA256:"))

        let trusted = try deployctl("trust", "behind", "--yes", "--json")
        #expect(trusted.status == 0, "\(trusted.stdout)")
        let rows = try #require((trusted.result as? [String: Any])?["rows"] as? [[String: Any]])
        #expect(rows.map { $0["outcome"] as? String } == ["recorded", "recorded"])
        #expect(rows.map { $0["jumpHost"] as? Int } == [1, nil])
        let recorded = try String(contentsOfFile: knownHosts, encoding: .utf8)
        #expect(recorded.contains("\(bastion.address) ssh-") && recorded.contains("deployctl:inner:jump1"))
        #expect(recorded.contains("[127.0.0.1]:\(inner.ports[0]) ssh-ed25519"))

        let again = try deployctl("trust", "behind", "--json")
        let outcomes = ((again.result as? [String: Any])?["rows"] as? [[String: Any]])?.map { $0["outcome"] as? String }
        #expect(again.status == 0 && outcomes == ["trusted", "trusted"])
        #expect(try deployctl("exec", "behind", "--", "true").status == 0)
    }

    @Test("a jump host that is down makes the host unreachable: exit 3, naming the hop")
    func bastionDown() throws {
        let closed = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                _ = bind(closed, $0, length)
                return getsockname(closed, $0, &length)
            }
        }
        let port = Int(UInt16(bigEndian: address.sin_port))
        close(closed)
        try writeEnvironment(
            "down",
            sshSection(knownHosts: testbed.knownHosts) + """

                [[hosts]]
                name = "behind-down"
                address = "\(testbed.host("museshow").address)"
                jump = "root@127.0.0.1:\(port)"
                """)
        let run = try deployctl("env", "check", "down", "--json")
        #expect(run.status == 3)
        #expect(run.stdout.contains("root@127.0.0.1:\(port) (jump host 1): connection refused"))
    }
}
