import Environments
import Foundation
import SSH

extension Environment.Host {
    /// The SSH configuration for this host; the key's passphrase is read from the variable the
    /// environment file names, never from the file itself.
    ///
    /// - Throws: `SSHError` `.privateKeyFile` when the named passphrase variable is not set.
    public func sshConfiguration(processEnvironment: [String: String] = ProcessInfo.processInfo.environment) throws(SSHError)
        -> SSHConfiguration
    {
        let authentication: SSHConfiguration.Authentication
        if let identityFile, !useAgent {
            var passphrase: String?
            if let variable = identityPassphraseEnv {
                guard let value = processEnvironment[variable], !value.isEmpty else {
                    throw SSHError(.privateKeyFile, "\(name): identity_passphrase_env names \(variable), which is not set in this shell")
                }
                passphrase = value
            }
            authentication = .privateKey(path: identityFile, passphrase: passphrase)
        } else {
            authentication = .agent(socketPath: nil)
        }
        return SSHConfiguration(
            host: address, port: port, user: user, authentication: authentication, knownHostsFile: knownHostsFile,
            pinnedFingerprint: hostKeyFingerprint, connectTimeout: connectTimeout, keepaliveInterval: keepalive, label: name)
    }
}

/// Opens one SSH connection per host of an environment, all at once.
public enum HostConnector {
    /// Connects to every host in `hosts` concurrently; each result is the connection or why it failed.
    public static func connect(_ hosts: [Environment.Host]) async -> [String: Result<SSHConnection, SSHError>] {
        await withTaskGroup(of: (String, Result<SSHConnection, SSHError>).self) { group in
            for host in hosts {
                group.addTask {
                    let result = await Result { () async throws(SSHError) -> SSHConnection in
                        let configuration = try host.sshConfiguration()
                        return try await SSHConnection.open(configuration)
                    }
                    return (host.name, result)
                }
            }
            var results: [String: Result<SSHConnection, SSHError>] = [:]
            for await (name, result) in group { results[name] = result }
            return results
        }
    }
}

extension Result where Failure == SSHError {
    init(catching body: () async throws(SSHError) -> Success) async {
        do throws(SSHError) {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }
}
