import Foundation
import SSH
import Testbed
import Testing

/// An `ssh-agent` of the test's own, on a socket in a temporary folder, stopped by its PID.
final class ScratchAgent {
    let socket: String
    private let process: Process
    private let directory: TemporaryDirectory

    init(keys: [String]) throws {
        directory = try TemporaryDirectory()
        socket = directory.file("agent.sock")
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ssh-agent", "-D", "-a", socket]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: socket) { usleep(20_000) }
        for key in keys {
            let add = Process()
            add.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            add.arguments = ["ssh-add", "-q", key]
            add.environment = ["SSH_AUTH_SOCK": socket]
            add.standardError = FileHandle.nullDevice
            try add.run()
            add.waitUntilExit()
        }
    }

    /// SIGKILL, because the agent may inherit a blocked SIGTERM from the test runner.
    deinit {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

@Suite("authentication through ssh-agent")
struct AgentTests {
    let testbed: Testbed

    init() throws { testbed = try Testbed.current() }

    func agentConfiguration(_ agent: ScratchAgent) -> SSHConfiguration {
        var configuration = testbed.configuration(for: testbed.routineHost)
        configuration.authentication = .agent(socketPath: agent.socket)
        return configuration
    }

    @Test("an ed25519 identity in the agent authenticates, RSA identities are passed over")
    func agentAuthenticates() throws {
        let keys = [testbed.keys.rsa, testbed.keys.ed25519].compactMap { $0 }
        let agent = try ScratchAgent(keys: keys)
        let connection = try SSHConnection.connect(agentConfiguration(agent))
        #expect(try connection.execute("echo agent").stdoutText == "agent\n")
        connection.close()
    }

    @Test(
        "an agent holding only RSA keys fails with the reason",
        .enabled(if: Testbed.provides(\.rsa), "set DEPLOYCTL_TEST_SSH_RSA_KEY"))
    func agentWithOnlyRSA() throws {
        let rsa = try #require(testbed.keys.rsa, "set DEPLOYCTL_TEST_SSH_RSA_KEY for a real server")
        let agent = try ScratchAgent(keys: [rsa])
        let error = #expect(throws: SSHError.self) { try SSHConnection.connect(agentConfiguration(agent)) }
        #expect(error?.code == .rsaKeyUnsupported)
    }

    @Test("an empty agent and a missing agent socket fail clearly")
    func emptyOrMissingAgent() throws {
        let agent = try ScratchAgent(keys: [])
        let empty = #expect(throws: SSHError.self) { try SSHConnection.connect(agentConfiguration(agent)) }
        #expect(empty?.code == .agent)
        #expect(empty?.message.contains("ssh-add") == true)
        var missing = testbed.configuration(for: testbed.routineHost)
        missing.authentication = .agent(socketPath: "/nonexistent/agent.sock")
        let unreachable = #expect(throws: SSHError.self) { try SSHConnection.connect(missing) }
        #expect(unreachable?.code == .agent)
    }
}
