import Console
import Environments
import Foundation
import SSH

/// Which of the environment's ClickHouse users to be.
public enum ClickHouseRole: String, Sendable, Hashable {
    /// Applies migrations.
    case admin
    /// What the pipeline writes with.
    case writer
}

extension Environment.ClickHouse {
    /// The account of `role`.
    public func credentials(of role: ClickHouseRole) -> Credentials {
        role == .admin ? admin : writer
    }
}

/// Why an environment's ClickHouse cannot be reached.
public enum ClickHouseAccessError: Error, Sendable, CustomStringConvertible {
    /// The ClickHouse host has no connection.
    case hostUnreachable(HostFailure)
    /// The host refused to open the forward.
    case tunnel(SSHError)
    /// The user's password could not be resolved: a configuration problem, not a network one.
    case secret(user: String, reference: SecretReference, reason: String)
    /// deployctl's bookkeeping is still in the pipeline's database (the message says how to move it).
    case stateLeftBehind(String)

    public var description: String {
        switch self {
        case .hostUnreachable(let failure): "\(failure)"
        case .tunnel(let error): "\(error)"
        case .secret(let user, let reference, let reason):
            "the ClickHouse password of \(user) (\(reference)): \(reason)"
        case .stateLeftBehind(let message): message
        }
    }

    /// The failure a command reports: exit 2 for an unresolvable password, 3 otherwise.
    public var failure: CommandFailure {
        switch self {
        case .hostUnreachable: CommandFailure(.unreachable, "ssh", description)
        case .tunnel: CommandFailure(.unreachable, "tunnel", description)
        case .secret: CommandFailure(.invalidConfiguration, "secret", description)
        case .stateLeftBehind: CommandFailure(.checkFailed, "state", description)
        }
    }
}

/// Reads a secret where its reference says: the workstation (variable or file) or the host.
public struct SecretResolver: Sendable {
    public let processEnvironment: [String: String]

    public init(processEnvironment: [String: String] = ProcessInfo.processInfo.environment) {
        self.processEnvironment = processEnvironment
    }

    /// The secret's value; a `remote_file` is read from `host` over SFTP, with its trailing whitespace dropped.
    public func resolve(_ secret: SecretReference, on host: @autoclosure () throws -> any RemoteHost) async throws
        -> String
    {
        if case .remoteFile(let path) = secret {
            let data = try await host().read(contentsOf: path)
            let value = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !value.isEmpty else {
                throw SecretReference.ResolutionError(reference: secret, message: "\(path) on the host is empty")
            }
            return value
        }
        return try secret.resolveLocally(environment: processEnvironment) ?? ""
    }
}
