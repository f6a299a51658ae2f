import Foundation
import SSH
import Testbed
import Testing

/// Servers reachable only one behind another, for the jump host tests: `chain[0]` is reached
/// directly, each next one through the one before it.
///
/// On the local testbed, `chain[0]` is prod2 and `chain[1]`, `chain[2]` are second and third sshd
/// processes on prod2, listening only on its 127.0.0.1 with host keys made for the run (so the
/// workstation cannot reach them but through prod2); the trait starts them for the suite and stops
/// them after it. Against real servers, `DEPLOYCTL_TEST_SSH_JUMP` lists the hops to the
/// `DEPLOYCTL_TEST_SSH_HOST` server (`user@host:port`, comma-separated, as ProxyJump writes them),
/// all reached with `DEPLOYCTL_TEST_SSH_KEY` and known in `DEPLOYCTL_TEST_SSH_KNOWN_HOSTS`.
struct JumpRoute: Sendable {
    /// The servers, the first reached directly; known_hosts is `knownHosts` for all.
    let chain: [SSHConfiguration]
    /// A known_hosts file trusting every server of the chain.
    let knownHosts: String
    /// The hosts the chain stands on, for tests that start helpers on the first hop.
    let testbed: Testbed

    @TaskLocal static var current: JumpRoute?

    /// Whether there is a route to test with: the local testbed, or `DEPLOYCTL_TEST_SSH_JUMP`.
    static var isAvailable: Bool {
        Testbed.isLocalRun || !(ProcessInfo.processInfo.environment["DEPLOYCTL_TEST_SSH_JUMP"] ?? "").isEmpty
    }

    /// Whether the route has two hops in front of a server: always on the local testbed.
    static var hasTwoHops: Bool {
        Testbed.isLocalRun
            || (ProcessInfo.processInfo.environment["DEPLOYCTL_TEST_SSH_JUMP"] ?? "").split(separator: ",").count >= 2
    }

    /// The route the suite's trait set up.
    static func get() throws -> JumpRoute {
        try #require(current, "the suite needs the JumpRoute.Scope trait")
    }

    /// `chain[index]`, reached through every server before it.
    func target(_ index: Int) -> SSHConfiguration {
        var configuration = chain[index]
        configuration.jumpHosts = Array(chain[..<index])
        return configuration
    }

    /// The configuration of `chain[index]` with another known_hosts file for every server.
    func target(_ index: Int, knownHosts: String) -> SSHConfiguration {
        var configuration = target(index)
        configuration.knownHostsFile = knownHosts
        configuration.jumpHosts = configuration.jumpHosts.map { hop in
            var hop = hop
            hop.knownHostsFile = knownHosts
            return hop
        }
        return configuration
    }

    /// Sets up the route for a suite and takes it down afterwards.
    struct Scope: SuiteTrait, TestScoping {
        func provideScope(
            for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
        ) async throws {
            let testbed = try Testbed.current()
            let scratch = try TemporaryDirectory("jump")
            if testbed.isLocal {
                let bastion = testbed.configuration(for: testbed.disruptableHost)
                let inner = try InnerSSHServers.start(on: bastion, count: 2)
                defer { inner.stop() }
                let knownHosts = scratch.file("known_hosts")
                let recorded = try String(contentsOfFile: testbed.knownHosts, encoding: .utf8)
                try (recorded + inner.knownHostsLines).write(toFile: knownHosts, atomically: true, encoding: .utf8)
                var first = bastion
                first.knownHostsFile = knownHosts
                let chain =
                    [first]
                    + inner.ports.enumerated().map { index, port in
                        SSHConfiguration(
                            host: "127.0.0.1", port: port, user: bastion.user, authentication: bastion.authentication,
                            knownHostsFile: knownHosts, label: "inner-\(index + 1)")
                    }
                let route = JumpRoute(chain: chain, knownHosts: knownHosts, testbed: testbed)
                try await $current.withValue(route) { try await function() }
            } else {
                let target = testbed.configuration(for: testbed.host())
                let hops = try Self.hops(from: ProcessInfo.processInfo.environment, like: target)
                let route = JumpRoute(chain: hops + [target], knownHosts: testbed.knownHosts, testbed: testbed)
                try await $current.withValue(route) { try await function() }
            }
        }

        /// `DEPLOYCTL_TEST_SSH_JUMP`'s hops, authenticated and verified as `target` is.
        private static func hops(from environment: [String: String], like target: SSHConfiguration) throws
            -> [SSHConfiguration]
        {
            let list = environment["DEPLOYCTL_TEST_SSH_JUMP"] ?? ""
            return try list.split(separator: ",").map { hop in
                var rest = Substring(hop.trimmingCharacters(in: .whitespaces))
                var user = target.user
                if let at = rest.lastIndex(of: "@") {
                    user = String(rest[..<at])
                    rest = rest[rest.index(after: at)...]
                }
                var port = 22
                if let colon = rest.lastIndex(of: ":") {
                    port = try #require(Int(rest[rest.index(after: colon)...]), "a port in DEPLOYCTL_TEST_SSH_JUMP")
                    rest = rest[..<colon]
                }
                return SSHConfiguration(
                    host: String(rest), port: port, user: user, authentication: target.authentication,
                    knownHostsFile: target.knownHostsFile, label: String(rest))
            }
        }
    }
}
