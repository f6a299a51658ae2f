import Environments
import Foundation
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

    static func script(for target: VerifyTarget) -> String {
        let root = ShellQuote.quote(target.root)
        let units = ShellQuote.quote(target.unitsDirectory)
        var lines = [
            "c=$(readlink \(root)/current 2>/dev/null || true); echo \"current=${c##*/}\""
        ]
        switch target.environment.clickhouse.runtime {
        case .systemd(let unit):
            lines.append(
                "echo \"clickhouse_runtime=$(systemctl show -p ActiveState --value \(ShellQuote.quote(unit)) 2>/dev/null)\""
            )
        case .docker(let container):
            lines.append(
                "echo \"clickhouse_runtime=$(docker inspect -f '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}' \(ShellQuote.quote(container)) 2>&1 | head -n1)\""
            )
        }
        lines += [
            "echo '<<listen'; (ss -Hltn 2>/dev/null || netstat -ltn 2>/dev/null) | awk '{print $4}'; echo '>>listen'",
            "if [ -f \(root)/current/SHA256SUMS ]; then echo '<<sums'; (cd \(root)/current && sha256sum --quiet -c SHA256SUMS 2>&1) || true; echo '>>sums'; echo sums_present=yes; fi",
            "for u in \(target.units.map(ShellQuote.quote).joined(separator: " ")); do",
            "  if cmp -s \(root)/current/systemd/\"$u\" \(units)/\"$u\"; then echo \"unit_same:$u=yes\"; else echo \"unit_same:$u=no\"; fi",
            "  d=\(units)/\"$u\".d/50-deployctl-environment.conf; echo \"<<dropin:$u\"; [ ! -f \"$d\" ] || cat \"$d\"; echo; echo \">>dropin:$u\"",
            "  echo \"<<show:$u\"; systemctl show -p ActiveState -p SubState -p Result -p UnitFileState -p NextElapseUSecRealtime -p ExecMainStatus \"$u\" 2>/dev/null; echo \">>show:$u\"",
            "done",
            "echo '<<analyze'; cd /; systemd-analyze verify \(target.units.map { ShellQuote.quote(target.unitsDirectory + "/" + $0) }.joined(separator: " ")) 2>&1 || true; echo '>>analyze'",
            "a=\(root)/shared/audit.jsonl; [ ! -f \"$a\" ] || grep '\"command\":\"gate override\"' \"$a\" | grep \"\\\"release\\\":\\\"${c##*/}\\\"\" | tail -n 1 | sed 's/^/gate_override=/'",
            "since=$(stat -c %Y \(root)/current 2>/dev/null || echo 0)",
            "echo '<<journal'; journalctl --no-pager -o cat -p err --since \"@$since\" \(target.units.map { "-u " + ShellQuote.quote($0) }.joined(separator: " ")) 2>/dev/null | tail -n 20; echo '>>journal'",
        ]
        return lines.joined(separator: "\n")
    }
}
