import Environments
import Foundation
import HostScripts
import SSH

/// Everything the suite reads from the host's shell, gathered in one script (one round trip).
struct VerifyFacts: Sendable {
    let answer: ScriptAnswer
    let command: String

    subscript(key: String) -> String? { answer[key] }
    func all(_ key: String) -> [String] { answer.all(key) }
    func block(_ key: String) -> String { answer[key] ?? "" }

    init(output: String, command: String) {
        answer = ScriptAnswer(output)
        self.command = command
    }

    /// The command that runs verify-facts on `target`'s host: its root, units folder, the drop-in's
    /// file name, how ClickHouse runs there and the units, each one argument.
    static func commandLine(for target: VerifyTarget) -> String {
        let runtime: [String]
        switch target.environment.clickhouse.runtime {
        case .systemd(let unit): runtime = ["systemd", unit]
        case .docker(let container): runtime = ["docker", container]
        }
        return HostScriptSource.verifyFacts.commandLine(
            [target.root, target.unitsDirectory, DropInFile.name] + runtime + target.units)
    }
}
