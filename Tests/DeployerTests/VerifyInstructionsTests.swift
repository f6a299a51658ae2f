import Environments
import Foundation
import Testing
import Verify

/// `verify --instructions`: the seed's manual procedure, per area, with this environment's names.
@Suite("the manual procedure behind verify, for the shipped environments")
struct VerifyInstructionsTests {
    static let environments = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("environments").path

    static func environment(_ name: String) throws -> Environment {
        try EnvironmentCatalog(directory: environments, loader: EnvironmentLoader(homeDirectory: "/home/tester"))
            .load(name: name)
    }

    @Test("every area has its commands, in Russian by default, with the environment's database, users and paths")
    func russian() throws {
        let text = VerifyInstructions(environment: try Self.environment("museshow"), language: .russian).markdown()
        for title in [
            "## 1. Окружение", "## 2. База данных", "## 3. Загрузка данных", "## 4. Качество данных",
            "## 5. Метаданные", "## 6. Мониторинг", "## 7. Автоматизация", "## 8. Smoke-проверки",
            "## Возможные проблемы",
        ] {
            #expect(text.contains("\n\(title)\n"), "\(title) missing")
        }
        #expect(text.contains("systemctl show -p ActiveState clickhouse-server.service"))
        #expect(text.contains("clickhouse-client -u admin --password -d zakaz -q \"SHOW GRANTS FOR etl_writer\""))
        #expect(
            text.contains(
                "sudo -u etl env -i PATH=/usr/bin:/bin /opt/zakaz_dashboard/current/bin/qtickets-api check-api --env-file /opt/zakaz_dashboard/secrets/.env.qtickets_api"
            ))
        let problems = text.components(separatedBy: "## Возможные проблемы")[1].split(separator: "\n")
            .filter { $0.hasPrefix("| ") }
        #expect(problems.count == 6, "a header and the five problems: \(problems)")
        #expect(problems.contains { $0.contains("ACCESS_DENIED") && $0.contains("GRANT INSERT, SELECT ON zakaz.*") })
        #expect(
            problems.contains { $0.contains("Missing columns") && $0.contains("migrate validate --replay museshow") })
        #expect(
            text.components(separatedBy: "Ожидается: ").count - 1 == text.components(separatedBy: "```sh").count - 1)
    }

    @Test("English with --lang en, and ClickHouse in a container reached with docker exec")
    func englishInContainer() throws {
        let text = VerifyInstructions(environment: try Self.environment("client-prod"), language: .english).markdown()
        #expect(text.hasPrefix("# The QTickets API E2E check by hand: client-prod\n"))
        #expect(text.contains("docker inspect -f '{{.State.Status}} {{.State.Health.Status}}' ch-zakaz"))
        #expect(text.contains("docker exec -it ch-zakaz clickhouse-client -u admin --password -d zakaz"))
        #expect(text.contains("\n## Possible problems\n"))
        #expect(
            !text.unicodeScalars.contains { (0x0400...0x04FF).contains($0.value) }, "no Cyrillic in the English text")
    }
}
