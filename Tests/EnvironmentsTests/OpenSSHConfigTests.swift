import Foundation
import Testbed
import Testing

@testable import Environments

@Suite("The OpenSSH client configuration is read as ssh reads it")
struct OpenSSHConfigTests {
    /// Parses `text` as `~/.ssh/config` of the home `/home/tester`.
    private func parse(_ text: String) -> OpenSSHConfig {
        OpenSSHConfig.parse(
            text, path: "/home/tester/.ssh/config", base: "/home/tester/.ssh", homeDirectory: "/home/tester")
    }

    /// Writes `files` (paths relative to a scratch folder) and loads `home/.ssh/config`, then
    /// `ssh_config` when it is one of them, with `home` as the home folder.
    private func load(_ files: [String: String]) throws -> (OpenSSHConfig, TemporaryDirectory) {
        let folder = try TemporaryDirectory("ssh-config")
        for (path, text) in files {
            let url = URL(fileURLWithPath: folder.file(path))
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        let config = OpenSSHConfig.load(
            userFile: folder.file("home/.ssh/config"),
            systemFile: files["ssh_config"] == nil ? nil : folder.file("ssh_config"),
            homeDirectory: folder.file("home"))
        return (config, folder)
    }

    @Test("Host patterns: * and ? wildcards, case-insensitive, ! excludes, only-negated never matches")
    func patterns() {
        #expect(OpenSSHConfig.hostMatches(["*"], "anything"))
        #expect(OpenSSHConfig.hostMatches(["muse*"], "museshow"))
        #expect(OpenSSHConfig.hostMatches(["*.example.com"], "a.b.EXAMPLE.com"))
        #expect(!OpenSSHConfig.hostMatches(["*.example.com"], "example.com"))
        #expect(OpenSSHConfig.hostMatches(["prod?"], "prod2"))
        #expect(!OpenSSHConfig.hostMatches(["prod?"], "prod22"))
        #expect(OpenSSHConfig.hostMatches(["10.77.*.2"], "10.77.3.2"))
        #expect(OpenSSHConfig.hostMatches(["other", "museshow"], "museshow"))
        #expect(!OpenSSHConfig.hostMatches(["*", "!museshow"], "museshow"))
        #expect(OpenSSHConfig.hostMatches(["*", "!museshow"], "prod2"))
        #expect(!OpenSSHConfig.hostMatches(["!museshow"], "prod2"), "a negation alone selects nothing")
        #expect(!OpenSSHConfig.hostMatches(["!prod*", "prod2"], "prod2"), "a negation wins wherever it stands")
        #expect(OpenSSHConfig.hostMatches(["a**b"], "ab"))
    }

    @Test("the first value of each keyword wins; every IdentityFile counts, in order")
    func firstMatchWins() {
        let config = parse(
            """
            # a comment
            Host museshow
                HostName 10.77.1.2
                User etl
                IdentityFile ~/.ssh/museshow
            Host muse*
                User someone-else
                Port 2222
                IdentityFile ~/.ssh/team
            Host *
                Port 22
                ServerAliveInterval 15
            """)
        #expect(config.problems.isEmpty)
        let settings = config.settings(for: "museshow")
        #expect(settings.hostName?.value == "10.77.1.2")
        #expect(settings.hostName?.origin.description == "/home/tester/.ssh/config:3")
        #expect(settings.user?.value == "etl")
        #expect(settings.port?.value == 2222)
        #expect(settings.port?.origin.line == 8)
        #expect(settings.identityFiles.map(\.value) == ["~/.ssh/museshow", "~/.ssh/team"])
        #expect(settings.serverAliveIntervalSeconds?.value == 15)
        let other = config.settings(for: "prod2")
        #expect(other.hostName == nil)
        #expect(other.port?.value == 22)
    }

    @Test("lines before the first Host apply to every host; the user's file comes before the system's")
    func globalLinesAndFileOrder() throws {
        let (config, folder) = try load([
            "home/.ssh/config": "User first\nHost museshow\n  Port 2200\n",
            "ssh_config": "Host *\n  User system\n  Port 22\n  ConnectTimeout 1m\n",
        ])
        let settings = config.settings(for: "museshow")
        #expect(settings.user?.value == "first")
        #expect(settings.port?.value == 2200)
        #expect(settings.connectTimeoutSeconds?.value == 60)
        #expect(settings.connectTimeoutSeconds?.origin.description == folder.file("ssh_config") + ":4")
        #expect(config.paths == [folder.file("home/.ssh/config"), folder.file("ssh_config")])
    }

    @Test("Include reads files in place: relative to ~/.ssh, globs sorted, only for its Host block")
    func include() throws {
        let (config, folder) = try load([
            "home/.ssh/config": """
            Include config.d/*.conf
            Host bastion
                Include bastion.conf
            Host *
                User fallback
            """,
            "home/.ssh/bastion.conf": "HostName 192.0.2.7\nUser jump\n",
            "home/.ssh/config.d/10-museshow.conf": "Host museshow\n  HostName 10.77.1.2\n",
            "home/.ssh/config.d/20-later.conf":
                "Host museshow\n  HostName 198.51.100.1\n  Port 2222\nHost prod2\n  Port 2202\n",
        ])
        let ssh = folder.file("home/.ssh")
        #expect(config.problems.isEmpty)
        #expect(config.paths.count == 4)
        let bastion = config.settings(for: "bastion")
        #expect(bastion.hostName?.value == "192.0.2.7")
        #expect(bastion.user?.value == "jump")
        #expect(bastion.user?.origin.description == ssh + "/bastion.conf:2")
        let museshow = config.settings(for: "museshow")
        #expect(museshow.hostName?.value == "10.77.1.2", "10-museshow.conf is read first")
        #expect(museshow.port?.value == 2222)
        #expect(museshow.user?.value == "fallback", "the Include's own Host lines end with its file")
        #expect(config.settings(for: "prod2").port?.value == 2202)
        #expect(config.settings(for: "other").hostName == nil, "bastion.conf only applies inside Host bastion")
    }

    @Test("an Include inside a Host block that does not match makes the file's Host lines match nothing")
    func includeInInactiveBlock() throws {
        let (config, _) = try load([
            "home/.ssh/config": "Host nothing-here\n  Include extra\n", "home/.ssh/extra": "Host *\n  Port 2022\n",
        ])
        #expect(config.settings(for: "museshow").port == nil)
        #expect(config.settings(for: "nothing-here").port?.value == 2022)
    }

    @Test("Match is refused naming the file and line; an Include that loops stops with a problem")
    func refused() throws {
        let config = parse(
            """
            Host museshow
                User etl
            Match host museshow exec "true"
                User root
            """)
        #expect(config.problems.count == 1)
        #expect(config.problems.first?.location.description == "/home/tester/.ssh/config:3")
        #expect(config.problems.first?.message.hasPrefix("Match blocks are not supported") == true)
        #expect(config.settings(for: "museshow").user?.value == "etl", "nothing after Match applies")

        let (looping, _) = try load(["home/.ssh/config": "Include config\n"])
        #expect(looping.problems.map(\.message).contains { $0.contains("Include nested deeper than 16") })
    }

    @Test("keyword=value, quoted arguments, comments after the value, odd case")
    func lineSyntax() {
        let config = parse(
            """
            Host=museshow
              hostname=10.77.1.2
              IDENTITYFILE "~/keys/with space"  # the team's key
              User = etl
              ProxyJump 'jump@bastion:2222'
              Port "unclosed
            """)
        #expect(config.problems.map(\.message) == ["unterminated quote"])
        #expect(config.problems.first?.location.line == 6)
        let settings = config.settings(for: "museshow")
        #expect(settings.hostName?.value == "10.77.1.2")
        #expect(settings.identityFiles.map(\.value) == ["~/keys/with space"])
        #expect(settings.user?.value == "etl")
        #expect(settings.proxyJump?.value == "jump@bastion:2222")
    }

    @Test("values deployctl cannot accept are problems at their line; unknown keywords are only listed")
    func values() {
        let config = parse(
            """
            Host museshow
                StrictHostKeyChecking accept-new
                Port 0
                IdentitiesOnly maybe
                ConnectTimeout forever
                ProxyCommand nc %h %p
                ForwardAgent yes
                SendEnv LANG
            Host prod2
                StrictHostKeyChecking ask
                ProxyJump none
                ProxyCommand nc %h %p
            """)
        let settings = config.settings(for: "museshow")
        let problems = settings.problems.map { "\($0.location.line ?? 0): \($0.message)" }
        #expect(problems.count == 5)
        #expect(problems[0].hasPrefix("2: StrictHostKeyChecking accept-new (for museshow): deployctl never trusts"))
        #expect(problems[1] == "3: Port: expected a port in 1...65535, found '0'")
        #expect(problems[2] == "4: IdentitiesOnly: expected yes or no, found 'maybe'")
        #expect(problems[3] == "5: ConnectTimeout: expected a time of 1 to 300 seconds, found 'forever'")
        #expect(problems[4].hasPrefix("6: ProxyCommand (for museshow) is not supported"))
        #expect(settings.ignored.map(\.keyword) == ["ForwardAgent", "SendEnv"])
        let prod2 = config.settings(for: "prod2")
        #expect(prod2.problems.isEmpty, "ask is strict, and ProxyJump none came before ProxyCommand")
        #expect(prod2.proxyJump?.value == "none")
    }

    @Test("~ and the % tokens are expanded; %% is a percent sign; others are refused")
    func expansions() {
        let tokens: [Character: String] = [
            "h": "10.77.1.2", "u": "me", "r": "etl", "d": "/home/tester", "n": "museshow",
        ]
        func expand(_ text: String) -> String {
            let value = OpenSSHConfig.Value(value: text, origin: .init(.sshConfig, file: "config", line: 4))
            switch OpenSSHConfig.expand(value, home: "/home/tester", tokens: tokens) {
            case .success(let expanded): return expanded
            case .failure(let problem): return "\(problem.location): \(problem.message)"
            }
        }
        #expect(expand("~/.ssh/id_%h") == "/home/tester/.ssh/id_10.77.1.2")
        #expect(expand("%d/keys/%u-%r@%n") == "/home/tester/keys/me-etl@museshow")
        #expect(expand("/keys/100%%") == "/keys/100%")
        #expect(expand("~") == "/home/tester")
        #expect(expand("~other/key") == "~other/key")
        #expect(expand("/keys/%C").hasPrefix("config:4: '/keys/%C': deployctl does not expand %C"))
        #expect(expand("/keys/%").hasSuffix("ends with a lone %"))
    }

    @Test("times are read as ssh_config writes them")
    func times() {
        #expect(OpenSSHConfig.seconds("30") == 30)
        #expect(OpenSSHConfig.seconds("30s") == 30)
        #expect(OpenSSHConfig.seconds("2m") == 120)
        #expect(OpenSSHConfig.seconds("1m30s") == 90)
        #expect(OpenSSHConfig.seconds("1H") == 3600)
        #expect(OpenSSHConfig.seconds("10x") == nil)
        #expect(OpenSSHConfig.seconds("m") == nil)
    }

    @Test("jump values: user, port, IPv6 in brackets, ssh:// and chains; none is no hop")
    func jumpSpecs() throws {
        let hops = try JumpSpec.parseList("etl@bastion:2222, ssh://root@[2001:db8::1]:22,10.0.0.1,2001:db8::2").get()
        #expect(hops.map(\.host) == ["bastion", "2001:db8::1", "10.0.0.1", "2001:db8::2"])
        #expect(hops.map(\.user) == ["etl", "root", nil, nil])
        #expect(hops.map(\.port) == [2222, 22, nil, nil])
        #expect(hops[0].text == "etl@bastion:2222")
        #expect(try JumpSpec.parseList("none").get().isEmpty)
        for bad in ["", "bastion:0", "bad user@bastion", "bastion,", "[2001:db8::1", "host:port"] {
            #expect(throws: JumpSpecProblem.self, "\(bad)") { try JumpSpec.parseList(bad).get() }
        }
    }
}
