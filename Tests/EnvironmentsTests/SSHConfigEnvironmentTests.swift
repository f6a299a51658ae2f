import Environments
import Foundation
import Testbed
import Testing

@Suite("Environment hosts take what the environment file leaves open from ssh_config")
struct SSHConfigEnvironmentTests {
    /// A home folder with `~/.ssh/config` holding `config`, and a loader reading only that file.
    private struct Home {
        let folder: TemporaryDirectory
        let loader: EnvironmentLoader
        var path: String { folder.file("home") }
        var config: String { path + "/.ssh/config" }

        init(config text: String) throws {
            folder = try TemporaryDirectory("ssh-config-env")
            try FileManager.default.createDirectory(
                atPath: folder.file("home/.ssh"), withIntermediateDirectories: true)
            try text.write(toFile: folder.file("home/.ssh/config"), atomically: true, encoding: .utf8)
            var loader = EnvironmentLoader(homeDirectory: folder.file("home"), workingDirectory: folder.path)
            loader.systemSSHConfig = nil
            self.loader = loader
        }

        /// The minimal document with `[ssh]` (line 3 on) and the host (line 6 on) replaced.
        func parse(ssh: String = "[ssh]", host: String) throws(EnvironmentError) -> Environment {
            let document = EnvironmentDocument.minimal.removing(line: 8).removing(line: 7).removing(line: 6)
                .removing(line: 4).removing(line: 3)
                .inserting(ssh, after: 2)
                .inserting("[[hosts]]\n" + host, after: 2 + ssh.split(separator: "\n").count + 1)
            return try loader.parse(document.description, name: "museshow", sourcePath: "environments/museshow.toml")
        }
    }

    static let config = """
        Host museshow
            HostName 10.77.1.2
            User etl
            Port 2202
            IdentityFile ~/.ssh/%h_%r
            IdentityFile ~/.ssh/team
            IdentitiesOnly yes
            UserKnownHostsFile ~/.ssh/known_hosts.%n
            ConnectTimeout 7
            ServerAliveInterval 1m
            ForwardAgent no
        Host bastion
            HostName 10.77.3.2
            User jumper
            IdentityFile ~/.ssh/bastion
        Host inner
            HostName 127.0.0.1
            Port 2222
        Host behind-*
            ProxyJump bastion
        Host *
            SendEnv LANG
        """

    @Test("a host naming an alias gets HostName, User, Port, keys, known_hosts and timeouts from ssh_config")
    func aliasResolution() throws {
        let home = try Home(config: Self.config)
        let environment = try home.parse(host: "name = \"museshow\"\naddress = \"museshow\"")
        let host = try #require(environment.hosts.first)
        #expect(host.address == "10.77.1.2")
        #expect(host.alias == "museshow")
        #expect(host.user == "etl")
        #expect(host.port == 2202)
        #expect(host.identityFiles == [home.path + "/.ssh/10.77.1.2_etl", home.path + "/.ssh/team"])
        #expect(!host.useAgent, "IdentitiesOnly yes")
        #expect(host.knownHostsFile == home.path + "/.ssh/known_hosts.museshow")
        #expect(host.connectTimeout == .seconds(7))
        #expect(host.keepalive == .seconds(60))
        #expect(host.jumps.isEmpty)
        #expect(host.origins[.address].description == home.config + ":2")
        #expect(host.origins[.user].description == home.config + ":3")
        #expect(host.origins.identityFiles.map(\.description) == [home.config + ":5", home.config + ":6"])
        #expect(host.origins[.keepalive].source == .sshConfig)
        #expect(host.origins[.jump] == .builtIn)
        let use = try #require(environment.sshConfig)
        #expect(use.files == [home.config])
        #expect(use.ignored.map(\.keyword) == ["ForwardAgent", "SendEnv"])
        #expect(use.ignored.map(\.origin.description) == [home.config + ":11", home.config + ":22"])
    }

    @Test("what the environment file writes wins over ssh_config, and says so")
    func environmentFileWins() throws {
        let home = try Home(config: Self.config)
        let environment = try home.parse(
            ssh: "[ssh]\nuser = \"deploy\"\nconnect_timeout_seconds = 20\nknown_hosts = \"/etc/ssh/ssh_known_hosts\"",
            host: "name = \"museshow\"\naddress = \"museshow\"\nport = 22\nidentity_file = \"/keys/deploy\"")
        let host = try #require(environment.hosts.first)
        #expect(host.address == "10.77.1.2", "the alias is still looked up")
        #expect(host.user == "deploy")
        #expect(host.port == 22)
        #expect(host.identityFiles == ["/keys/deploy"])
        #expect(host.knownHostsFile == "/etc/ssh/ssh_known_hosts")
        #expect(host.connectTimeout == .seconds(20))
        #expect(host.keepalive == .seconds(60), "not written in the file: ssh_config's")
        #expect(host.origins[.user].description == "environments/museshow.toml:4")
        #expect(host.origins[.port].description == "environments/museshow.toml:11")
        #expect(host.origins[.identityFiles].description == "environments/museshow.toml:12")
        #expect(host.origins[.connectTimeout].description == "environments/museshow.toml:5")
    }

    @Test("[ssh] config = false reads no ssh_config; a path reads that file alone")
    func turnedOffOrNamed() throws {
        let home = try Home(config: Self.config)
        let off = try home.parse(
            ssh: "[ssh]\nuser = \"etl\"\nconfig = false", host: "name = \"m\"\naddress = \"museshow\"")
        #expect(off.hosts[0].address == "museshow")
        #expect(off.hosts[0].port == 22)
        #expect(off.hosts[0].origins[.port] == .builtIn)
        #expect(off.sshConfig == nil)

        let other = home.folder.file("other_config")
        try "Host museshow\n  HostName 192.0.2.9\n  User other\n".write(
            toFile: other, atomically: true, encoding: .utf8)
        let named = try home.parse(ssh: "[ssh]\nconfig = \"\(other)\"", host: "name = \"m\"\naddress = \"museshow\"")
        #expect(named.hosts[0].address == "192.0.2.9")
        #expect(named.hosts[0].user == "other")
        #expect(named.sshConfig?.files == [other])

        let wrong = #expect(throws: EnvironmentError.self) {
            try home.parse(ssh: "[ssh]\nuser = \"etl\"\nconfig = 1", host: "name = \"m\"\naddress = \"museshow\"")
        }
        #expect(wrong?.description.contains("ssh.config: expected true, false or the path") == true)
    }

    @Test("jump = … names hops resolved through ssh_config; the host's own settings fill in the rest")
    func jumpFromEnvironmentFile() throws {
        let home = try Home(config: Self.config)
        let environment = try home.parse(
            ssh: "[ssh]\nuser = \"etl\"\nidentity_file = \"/keys/deploy\"",
            host: "name = \"app\"\naddress = \"10.0.0.5\"\njump = \"bastion, root@inner\"")
        let host = try #require(environment.hosts.first)
        #expect(host.jumps.map(\.name) == ["bastion", "root@inner"])
        let bastion = host.jumps[0]
        #expect(bastion.address == "10.77.3.2")
        #expect(bastion.user == "jumper")
        #expect(bastion.port == 22)
        #expect(bastion.identityFiles == [home.path + "/.ssh/bastion"])
        #expect(bastion.origins[.user].description == home.config + ":14")
        let inner = host.jumps[1]
        #expect(inner.address == "127.0.0.1")
        #expect(inner.port == 2222)
        #expect(inner.user == "root")
        #expect(inner.origins[.user].description == "environments/museshow.toml:10", "from the jump value")
        #expect(inner.identityFiles == ["/keys/deploy"], "the host's key")
        #expect(inner.knownHostsFile == host.knownHostsFile)
        #expect(host.origins[.jump].description == "environments/museshow.toml:10")
    }

    @Test("ProxyJump comes from ssh_config unless jump = \"none\"; a jump host's own ProxyJump goes in front")
    func proxyJumpFromConfig() throws {
        let home = try Home(config: Self.config + "\nHost bastion2\n    ProxyJump etl@bastion:2022\n")
        let behind = try home.parse(
            ssh: "[ssh]\nuser = \"etl\"", host: "name = \"app\"\naddress = \"behind-app\"")
        #expect(behind.hosts[0].jumps.map(\.address) == ["10.77.3.2"])
        #expect(behind.hosts[0].origins[.jump].description == home.config + ":20")

        let none = try home.parse(
            ssh: "[ssh]\nuser = \"etl\"", host: "name = \"app\"\naddress = \"behind-app\"\njump = \"none\"")
        #expect(none.hosts[0].jumps.isEmpty)

        let chained = try home.parse(
            ssh: "[ssh]\nuser = \"etl\"", host: "name = \"app\"\naddress = \"10.0.0.5\"\njump = \"bastion2\"")
        #expect(chained.hosts[0].jumps.map(\.name) == ["etl@bastion:2022", "bastion2"])
        #expect(chained.hosts[0].jumps[0].port == 2022)
    }

    @Test("hosts behind different jump hosts may share an address; the same route twice may not")
    func duplicatesConsiderTheRoute() throws {
        let home = try Home(config: Self.config)
        let document = EnvironmentDocument.minimal.inserting(
            "jump = \"bastion\"\n\n[[hosts]]\nname = \"second\"\naddress = \"203.0.113.10\"\njump = \"inner\"", after: 8
        )
        _ = try home.loader.parse(document.description, name: "museshow", sourcePath: "environments/museshow.toml")
        let same = EnvironmentDocument.minimal.inserting(
            "jump = \"bastion\"\n\n[[hosts]]\nname = \"second\"\naddress = \"203.0.113.10\"\njump = \"bastion\"",
            after: 8)
        let error = #expect(throws: EnvironmentError.self) {
            try home.loader.parse(same.description, name: "museshow", sourcePath: "environments/museshow.toml")
        }
        #expect(error?.description.contains("already connects to 203.0.113.10:22 via bastion") == true)
    }

    @Test("ssh_config problems fail the environment at their own file and line")
    func problemsInSSHConfig() throws {
        let home = try Home(
            config: """
                Host museshow
                    StrictHostKeyChecking no
                Match all
                    User root
                Host unrelated
                    Port 0
                """)
        let error = #expect(throws: EnvironmentError.self) {
            try home.parse(ssh: "[ssh]\nuser = \"etl\"", host: "name = \"m\"\naddress = \"museshow\"")
        }
        let lines = error?.diagnostics.map(\.description) ?? []
        #expect(lines.count == 2, "Port 0 does not apply to museshow")
        #expect(lines.contains { $0.hasPrefix(home.config + ":2: StrictHostKeyChecking no (for museshow)") })
        #expect(lines.contains { $0.hasPrefix(home.config + ":3: Match blocks are not supported") })
        #expect(error?.code == .invalidValue)
    }
}
