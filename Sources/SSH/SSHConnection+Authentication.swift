import CLibSSH2
import Foundation

extension SSHConnection {
    /// Why RSA fails, in words a user can act on; libssh2 1.10 itself only reports a refused key.
    static let rsaExplanation = """
        libssh2 1.10 (Debian 12's) signs RSA keys only with ssh-rsa (SHA-1), which OpenSSH 8.8 and later refuse; \
        rsa-sha2-256/512 arrived in libssh2 1.11. Use an ed25519 key instead: ssh-keygen -t ed25519 -f ~/.ssh/deployctl_ed25519, \
        add the .pub file to the host's authorized_keys, and set identity_file in the environment file.
        """

    func authenticate(deadline: Deadline) throws(SSHError) {
        try authenticate(with: configuration.authentication, deadline: deadline)
    }

    private func authenticate(with authentication: SSHConfiguration.Authentication, deadline: Deadline)
        throws(SSHError)
    {
        switch authentication {
        case .privateKey(let path, let passphrase):
            try authenticate(keyFile: path, passphrase: passphrase, deadline: deadline)
        case .agent(let socketPath):
            try authenticateWithAgent(socketPath: socketPath, deadline: deadline)
        case .firstAccepted(let candidates):
            try authenticate(withFirstOf: candidates, deadline: deadline)
        }
    }

    /// Tries each credential in turn; when none is accepted, the error that says most is thrown:
    /// a key the server refused or could not be used rather than an agent that was not there.
    private func authenticate(withFirstOf candidates: [SSHConfiguration.Authentication], deadline: Deadline)
        throws(SSHError)
    {
        var errors: [SSHError] = []
        for candidate in candidates {
            do {
                try authenticate(with: candidate, deadline: deadline)
                return
            } catch {
                if error.code == .timeout || error.code == .disconnected { throw error }
                errors.append(error)
            }
        }
        guard let last = errors.last else {
            throw SSHError(.authenticationFailed, "\(configuration.label): no credential to offer")
        }
        throw errors.last(where: { $0.code != .agent }) ?? last
    }

    private func authenticate(keyFile path: String, passphrase: String?, deadline: Deadline) throws(SSHError) {
        let label = configuration.label
        let key = try PrivateKeyFile.inspect(path: path, label: label)
        switch key.algorithm {
        case .rsa:
            throw SSHError(
                .rsaKeyUnsupported, "\(label): \(path) is an RSA key, which cannot be used. \(Self.rsaExplanation)")
        case .dsa:
            throw SSHError(
                .privateKeyFile, "\(label): \(path) is a DSA key, which OpenSSH no longer accepts; use an ed25519 key")
        case .ed25519, .ecdsa, .other:
            break
        }
        if key.encrypted && (passphrase ?? "").isEmpty {
            throw SSHError(
                .privateKeyFile,
                "\(label): \(path) is encrypted and no passphrase was given (set identity_passphrase_env in the environment file and export that variable)"
            )
        }
        let user = configuration.user
        let result = try sending("public key authentication", deadline: deadline) { session in
            Int(libssh2_userauth_publickey_fromfile_ex(session, user, UInt32(user.utf8.count), nil, path, passphrase))
        }
        guard result == 0 else {
            let detail = lock.withLock { Self.lastError(session, code: Int32(result)) }
            if result == Int(LIBSSH2_ERROR_FILE) {
                throw SSHError(
                    .privateKeyFile,
                    "\(label): cannot use the private key \(path): wrong passphrase, or a format libssh2 cannot read",
                    libssh2: detail)
            }
            throw SSHError(
                .authenticationFailed,
                "\(label): the server refused the key \(path) for user \(user) (is its .pub in ~\(user)/.ssh/authorized_keys on the host?)",
                libssh2: detail)
        }
    }

    private func authenticateWithAgent(socketPath: String?, deadline: Deadline) throws(SSHError) {
        let label = configuration.label
        let user = configuration.user
        let agent = try opening("opening the ssh-agent", deadline: deadline) { libssh2_agent_init($0) }
        defer { lock.withLock { libssh2_agent_free(agent) } }
        if let socketPath { lock.withLock { libssh2_agent_set_identity_path(agent, socketPath) } }
        let connected = try sending("connecting to the ssh-agent", deadline: deadline) { _ in
            Int(libssh2_agent_connect(agent))
        }
        guard connected == 0 else {
            throw failure(
                .agent, "cannot reach the ssh-agent (is SSH_AUTH_SOCK set and the agent running?)", result: connected)
        }
        defer { lock.withLock { _ = libssh2_agent_disconnect(agent) } }
        let listed = try sending("listing the ssh-agent's keys", deadline: deadline) { _ in
            Int(libssh2_agent_list_identities(agent))
        }
        guard listed == 0 else { throw failure(.agent, "cannot list the ssh-agent's keys", result: listed) }

        var previous: UnsafeMutablePointer<libssh2_agent_publickey>?
        var skippedRSA = 0
        var offered = 0
        while true {
            var identity: UnsafeMutablePointer<libssh2_agent_publickey>?
            let next = lock.withLock { libssh2_agent_get_identity(agent, &identity, previous) }
            guard next == 0, let current = identity else { break }
            previous = current
            let blob = Array(UnsafeBufferPointer(start: current.pointee.blob, count: Int(current.pointee.blob_len)))
            var reader = WireReader(bytes: blob)
            if reader.string() == "ssh-rsa" {
                skippedRSA += 1
                continue
            }
            offered += 1
            let result = try sending("agent authentication", deadline: deadline) { _ in
                Int(libssh2_agent_userauth(agent, user, current))
            }
            if result == 0 { return }
        }
        if offered == 0 && skippedRSA > 0 {
            throw SSHError(
                .rsaKeyUnsupported,
                "\(label): the ssh-agent holds only RSA keys, which cannot be used. \(Self.rsaExplanation)")
        }
        if offered == 0 {
            throw SSHError(.agent, "\(label): the ssh-agent holds no keys (add one with ssh-add)")
        }
        throw SSHError(
            .authenticationFailed,
            "\(label): the server refused all \(offered) key(s) the ssh-agent offered for user \(user)")
    }
}
