import Environments
import Foundation
import SSH

extension Environment.Host {
    /// The SSH configuration for this host and its jump hosts; the keys' passphrase is read from
    /// the variable the environment file names, never from the file itself.
    ///
    /// - Throws: `SSHError` `.privateKeyFile` when the named passphrase variable is not set.
    public func sshConfiguration(processEnvironment: [String: String] = ProcessInfo.processInfo.environment)
        throws(SSHError)
        -> SSHConfiguration
    {
        var passphrase: String?
        if let variable = identityPassphraseEnv,
            !identityFiles.isEmpty || jumps.contains(where: { !$0.identityFiles.isEmpty })
        {
            guard let value = processEnvironment[variable], !value.isEmpty else {
                throw SSHError(
                    .privateKeyFile,
                    "\(name): identity_passphrase_env names \(variable), which is not set in this shell")
            }
            passphrase = value
        }
        let hops = jumps.map { jump in
            SSHConfiguration(
                host: jump.address, port: jump.port, user: jump.user,
                authentication: Self.authentication(
                    keys: jump.identityFiles, agent: jump.useAgent, passphrase: passphrase),
                knownHostsFile: jump.knownHostsFile, connectTimeout: jump.connectTimeout,
                keepaliveInterval: jump.keepalive, label: jump.name)
        }
        return SSHConfiguration(
            host: address, port: port, user: user,
            authentication: Self.authentication(keys: identityFiles, agent: useAgent, passphrase: passphrase),
            knownHostsFile: knownHostsFile, pinnedFingerprint: hostKeyFingerprint, connectTimeout: connectTimeout,
            keepaliveInterval: keepalive, label: name, jumpHosts: hops)
    }

    /// The agent's keys (when `agent`), then each key file; the agent alone when there is nothing else.
    private static func authentication(keys: [String], agent: Bool, passphrase: String?)
        -> SSHConfiguration.Authentication
    {
        let candidates: [SSHConfiguration.Authentication] =
            (agent ? [.agent(socketPath: nil)] : []) + keys.map { .privateKey(path: $0, passphrase: passphrase) }
        switch candidates.count {
        case 0: return .agent(socketPath: nil)
        case 1: return candidates[0]
        default: return .firstAccepted(candidates)
        }
    }
}
