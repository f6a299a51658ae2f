import Environments
import Foundation
import SSH

extension Environment.Host {
    /// The SSH configuration for this host; the key's passphrase is read from the variable the
    /// environment file names, never from the file itself.
    ///
    /// - Throws: `SSHError` `.privateKeyFile` when the named passphrase variable is not set.
    public func sshConfiguration(processEnvironment: [String: String] = ProcessInfo.processInfo.environment)
        throws(SSHError)
        -> SSHConfiguration
    {
        let authentication: SSHConfiguration.Authentication
        if let identityFile, !useAgent {
            var passphrase: String?
            if let variable = identityPassphraseEnv {
                guard let value = processEnvironment[variable], !value.isEmpty else {
                    throw SSHError(
                        .privateKeyFile,
                        "\(name): identity_passphrase_env names \(variable), which is not set in this shell")
                }
                passphrase = value
            }
            authentication = .privateKey(path: identityFile, passphrase: passphrase)
        } else {
            authentication = .agent(socketPath: nil)
        }
        return SSHConfiguration(
            host: address, port: port, user: user, authentication: authentication, knownHostsFile: knownHostsFile,
            pinnedFingerprint: hostKeyFingerprint, connectTimeout: connectTimeout, keepaliveInterval: keepalive,
            label: name)
    }
}
