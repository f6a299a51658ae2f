import Foundation
import SSH

/// The hosts integration tests and benchmarks run against.
///
/// By default these are the testbed's systemd-nspawn hosts, described by `.testbed/testbed.json`
/// (written by `testbed/testbed.sh up`). Setting `DEPLOYCTL_TEST_SSH_HOST` points every test at a
/// real server instead; see `Testbed.fromEnvironment`. When neither is there, `current()` throws
/// an error that says how to bring the testbed up: integration tests fail, they never skip.
public struct Testbed: Sendable {
    /// One reachable host.
    public struct Host: Sendable, Codable {
        public let name: String
        public let address: String
        public let port: Int
        public let user: String
    }

    /// Private keys the hosts know (and one they do not), for authentication tests.
    public struct Keys: Sendable, Codable {
        public let ed25519: String
        public let ecdsa: String?
        public let ed25519Encrypted: String?
        public let passphraseFile: String?
        public let rsa: String?
        public let wrong: String?

        enum CodingKeys: String, CodingKey {
            case ed25519, ecdsa, rsa, wrong
            case ed25519Encrypted = "ed25519_encrypted"
            case passphraseFile = "passphrase_file"
        }
    }

    /// The hosts, the first being the default target.
    public let hosts: [Host]
    /// Keys to authenticate with.
    public let keys: Keys
    /// The known_hosts file that trusts every host.
    public let knownHosts: String
    /// A folder of environment files describing the hosts, when the testbed wrote one.
    public let environments: String?
    /// `true` for the local testbed, whose hosts tests may disturb (restart sshd, kill processes).
    public let isLocal: Bool

    private struct Manifest: Codable {
        let hosts: [Host]
        let keys: Keys
        let known_hosts: String
        let environments: String?
    }

    /// `true` unless the tests are pointed at a real server, so that host-disturbing tests can opt out there.
    public static var isLocalRun: Bool {
        (ProcessInfo.processInfo.environment["DEPLOYCTL_TEST_SSH_HOST"] ?? "").isEmpty
    }

    /// Whether the current test hosts come with the optional key at `key`; for `.enabled(if:)` traits.
    /// Without any test hosts it answers `true`, so that the test runs and fails saying why.
    public static func provides(_ key: KeyPath<Keys, String?>) -> Bool {
        guard let testbed = try? current() else { return true }
        return testbed.keys[keyPath: key] != nil
    }

    /// The root of the repository this code was built from (tests and the bench find its
    /// migrations, units, checks and build products there).
    public static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The repository's `.testbed` folder (or `DEPLOYCTL_TESTBED_DIR`).
    public static var directory: String {
        if let override = ProcessInfo.processInfo.environment["DEPLOYCTL_TESTBED_DIR"], !override.isEmpty {
            return override
        }
        return repository.appendingPathComponent(".testbed").path
    }

    /// The hosts to test against: the environment's real server if configured, else the local testbed.
    ///
    /// - Throws: `TestbedUnavailable` explaining how to start the testbed or configure a server.
    public static func current() throws -> Testbed {
        if let fromEnvironment = try fromEnvironment(ProcessInfo.processInfo.environment) { return fromEnvironment }
        let manifestPath = directory + "/testbed.json"
        guard let data = FileManager.default.contents(atPath: manifestPath) else {
            throw TestbedUnavailable(
                "the testbed is not running (\(manifestPath) is missing). Start it with `make testbed-up`, "
                    + "or point the tests at a server with DEPLOYCTL_TEST_SSH_HOST (see README, \"Testing against your servers\")"
            )
        }
        do {
            let manifest = try JSONDecoder().decode(Manifest.self, from: data)
            return Testbed(
                hosts: manifest.hosts, keys: manifest.keys, knownHosts: manifest.known_hosts,
                environments: manifest.environments,
                isLocal: true)
        } catch {
            throw TestbedUnavailable(
                "\(manifestPath) is unreadable (\(error)); recreate it with `make testbed-down testbed-up`")
        }
    }

    /// Reads a real server from `DEPLOYCTL_TEST_SSH_HOST`, `_PORT` (22), `_USER` (root), `_KEY`
    /// (ed25519 or ECDSA private key), `_KNOWN_HOSTS` (~/.ssh/known_hosts) and the optional
    /// `_ECDSA_KEY`, `_RSA_KEY`, `_WRONG_KEY`; nil when `DEPLOYCTL_TEST_SSH_HOST` is unset.
    public static func fromEnvironment(_ environment: [String: String]) throws -> Testbed? {
        guard let address = environment["DEPLOYCTL_TEST_SSH_HOST"], !address.isEmpty else { return nil }
        guard let key = environment["DEPLOYCTL_TEST_SSH_KEY"], !key.isEmpty else {
            throw TestbedUnavailable(
                "DEPLOYCTL_TEST_SSH_HOST is set but DEPLOYCTL_TEST_SSH_KEY (a private key file) is not")
        }
        let home = FileManager.default.homeDirectoryForCurrentUser.path
        let host = Host(
            name: environment["DEPLOYCTL_TEST_SSH_NAME"] ?? address, address: address,
            port: Int(environment["DEPLOYCTL_TEST_SSH_PORT"] ?? "") ?? 22,
            user: environment["DEPLOYCTL_TEST_SSH_USER"] ?? "root")
        return Testbed(
            hosts: [host],
            keys: Keys(
                ed25519: key, ecdsa: environment["DEPLOYCTL_TEST_SSH_ECDSA_KEY"], ed25519Encrypted: nil,
                passphraseFile: nil,
                rsa: environment["DEPLOYCTL_TEST_SSH_RSA_KEY"], wrong: environment["DEPLOYCTL_TEST_SSH_WRONG_KEY"]),
            knownHosts: environment["DEPLOYCTL_TEST_SSH_KNOWN_HOSTS"] ?? home + "/.ssh/known_hosts", environments: nil,
            isLocal: false)
    }

    /// The host named `name`, or the first host when `name` is nil or absent on a real server.
    public func host(_ name: String? = nil) -> Host {
        hosts.first { $0.name == name } ?? hosts[0]
    }

    /// An SSH configuration for `host` authenticating with `key` (default: the ed25519 key).
    public func configuration(
        for host: Host, key: String? = nil, passphrase: String? = nil, knownHosts: String? = nil,
        connectTimeout: Duration = .seconds(10)
    ) -> SSHConfiguration {
        SSHConfiguration(
            host: host.address, port: host.port, user: host.user,
            authentication: .privateKey(path: key ?? keys.ed25519, passphrase: passphrase),
            knownHostsFile: knownHosts ?? self.knownHosts, connectTimeout: connectTimeout, label: host.name)
    }

    /// Connects to `host` with the default key.
    public func connect(_ host: Host? = nil) throws -> SSHConnection {
        try SSHConnection.connect(configuration(for: host ?? self.host()))
    }
}

/// The testbed (or the configured real server) cannot be used; the message says how to fix that.
public struct TestbedUnavailable: Error, CustomStringConvertible {
    public let description: String
    /// Creates the error with the message shown to the user.
    public init(_ description: String) { self.description = description }
}
