import Environments

/// `deployctl verify ENV --instructions`: the manual procedure behind the E2E suite, per area, for
/// one environment (the seed's `E2E_QTICKETS_API_INSTRUCTIONS.md`): the commands a person runs on
/// the host to see the facts each area checks, and the seed's "possible problems" made concrete
/// with this environment's names. Nothing is connected to: every command is printed, none is run.
public struct VerifyInstructions: Sendable {
    public let environment: Environment
    public let language: ReportLanguage

    public init(environment: Environment, language: ReportLanguage) {
        self.environment = environment
        self.language = language
    }

    /// One step of an area: what it shows, the command, and what a good answer looks like.
    struct Step {
        let what: String
        let command: String
        let expected: String
    }

    /// One of the possible problems: what a person sees, why, and what to do.
    struct Problem {
        let symptom: String
        let cause: String
        let remedy: String
    }

    private func text(_ russian: String, _ english: String) -> String {
        language == .russian ? russian : english
    }

    private var app: Environment.App { environment.app }
    private var clickhouse: Environment.ClickHouse { environment.clickhouse }
    private var binary: String { app.root + "/current/bin/qtickets-api" }

    /// The command-line client on the ClickHouse host, as the admin (it asks for the password).
    private var client: String {
        let base: String
        switch clickhouse.runtime {
        case .systemd: base = "clickhouse-client"
        case .docker(let container): base = "docker exec -it \(container) clickhouse-client"
        }
        return "\(base) -u \(clickhouse.admin.user) --password -d \(clickhouse.database)"
    }

    /// The release's loader as the app user, as verify runs it.
    private func loader(_ arguments: String) -> String {
        "sudo -u \(app.user) env -i PATH=/usr/bin:/bin \(binary) \(arguments) --env-file \(app.envFile)"
    }

    func steps(_ area: CheckResult.Area) -> [Step] {
        let database = clickhouse.database
        switch area {
        case .environment:
            let server: Step
            switch clickhouse.runtime {
            case .systemd(let unit):
                server = Step(
                    what: text("ClickHouse запущен", "ClickHouse runs"),
                    command: "systemctl show -p ActiveState \(unit)", expected: "ActiveState=active")
            case .docker(let container):
                server = Step(
                    what: text("Контейнер ClickHouse запущен и здоров", "ClickHouse's container runs and is healthy"),
                    command: "docker inspect -f '{{.State.Status}} {{.State.Health.Status}}' \(container)",
                    expected: "running healthy")
            }
            return [
                server,
                Step(
                    what: text("ClickHouse отвечает", "ClickHouse answers"),
                    command: "curl -sS http://\(clickhouse.httpHost):\(clickhouse.httpPort)/ping", expected: "Ok."),
                Step(
                    what: text("Порты ClickHouse и healthcheck", "The ports of ClickHouse and the healthcheck"),
                    command: "ss -ltnp",
                    expected: text(
                        "\(clickhouse.httpPort), 9000 и порт healthcheck слушают только 127.0.0.1 или ::1",
                        "\(clickhouse.httpPort), 9000 and the healthcheck's port listen on 127.0.0.1 or ::1 only")),
            ]
        case .database:
            return [
                Step(
                    what: text("Все миграции релиза применены", "Every migration of the release is applied"),
                    command: "deployctl migrate status \(environment.name)  # "
                        + text("на рабочей станции", "on the workstation"),
                    expected: text("каждая версия applied", "every version applied")),
                Step(
                    what: text("Таблицы и витрины на месте", "The tables and views exist"),
                    command: "\(client) -q \"SELECT name FROM system.tables WHERE database = '\(database)'\"",
                    expected: text(
                        "staging-, fact-таблицы, v_* и meta_job_runs",
                        "the staging and fact tables, v_* and meta_job_runs"
                    )),
                Step(
                    what: text(
                        "Права \(clickhouse.writer.user): запись в \(database), ничего в \(clickhouse.stateDatabase)",
                        "\(clickhouse.writer.user)'s rights: writes \(database), nothing on \(clickhouse.stateDatabase)"
                    ),
                    command: "\(client) -q \"SHOW GRANTS FOR \(clickhouse.writer.user)\"",
                    expected: "GRANT INSERT, SELECT ON \(database).* TO \(clickhouse.writer.user)"),
            ]
        case .load:
            return [
                Step(
                    what: text("QTickets API доступен с этим токеном", "The QTickets API answers this token"),
                    command: loader("check-api"), expected: text("ok по каждому запросу", "ok for every request")),
                Step(
                    what: text("Запуск лоадера", "A loader run"),
                    command:
                        "sudo systemctl start qtickets_api.service && journalctl -u qtickets_api.service -n 50 --no-pager",
                    expected: text("запуск завершён без ошибок", "the run ends without an error")),
            ]
        case .quality:
            return [
                Step(
                    what: text("Данные в staging и fact", "Rows in staging and fact"),
                    command: "\(client) -q \"SELECT count() FROM fact_sales_daily\"",
                    expected: text(
                        "больше нуля, если в staging есть оплаченные заказы",
                        "above zero when staging holds paid orders")),
                Step(
                    what: text("Агрегация fact совпадает со staging", "fact's aggregation matches staging"),
                    command: "\(client) -q \"$(cat \(app.root)/current/checks/smoke/fact_matches_staging.sql)\"",
                    expected: text("violations = 0", "violations = 0")),
            ]
        case .metadata:
            return [
                Step(
                    what: text("Последний запуск в meta_job_runs", "The newest run in meta_job_runs"),
                    command:
                        "\(client) -q \"SELECT job, status, started_at, finished_at, error FROM meta_job_runs ORDER BY started_at DESC LIMIT 1\"",
                    expected: text(
                        "status ok, finished_at заполнен, error пуст", "status ok, finished_at set, error empty"))
            ]
        case .monitoring:
            return [
                Step(
                    what: text("Healthcheck", "The healthcheck"), command: loader("healthcheck"),
                    expected: "ok"),
                Step(
                    what: text("Служба healthcheck и /healthz", "The healthcheck's service and /healthz"),
                    command:
                        "systemctl is-active qtickets_healthcheck.service && systemctl cat qtickets_healthcheck.service | grep -- --serve",
                    expected: text(
                        "active; затем curl на адрес из --serve: /healthz отвечает 200",
                        "active; then curl the address of --serve: /healthz answers 200")),
            ]
        case .automation:
            return [
                Step(
                    what: text("Файлы релиза не изменены", "The release's files are unchanged"),
                    command: "cd \(app.root)/current && sha256sum -c --quiet SHA256SUMS",
                    expected: text("тишина", "silence")),
                Step(
                    what: text("Таймер включён и запланирован", "The timer is enabled and scheduled"),
                    command: "systemctl list-timers qtickets_api.timer",
                    expected: text("следующий запуск указан", "a next run is listed")),
                Step(
                    what: text("Юниты корректны", "The units are valid"),
                    command: "systemd-analyze verify \(environment.systemd.unitsDirectory)/qtickets_api.service",
                    expected: text("тишина", "silence")),
                Step(
                    what: text("Логи последних запусков", "The logs of the last runs"),
                    command: "journalctl -u qtickets_api.service --since -1d --no-pager | tail -50",
                    expected: text("без ошибок", "no errors")),
            ]
        case .smoke:
            return [
                Step(
                    what: text("Smoke-проверки релиза", "The release's smoke checks"),
                    command:
                        "for f in \(app.root)/current/checks/smoke/*.sql; do echo \"$f\"; \(client) -q \"$(cat \"$f\")\"; done",
                    expected: text(
                        "у каждого файла violations = 0", "violations = 0 for every file"))
            ]
        }
    }

    var problems: [Problem] {
        let writer = clickhouse.writer.user
        let database = clickhouse.database
        let name = environment.name
        return [
            Problem(
                symptom: "`ACCESS_DENIED` (Code: 497) " + text("для", "for") + " \(writer)",
                cause: text("у \(writer) нет прав на запись в \(database)", "\(writer) may not write \(database)"),
                remedy: "`GRANT INSERT, SELECT ON \(database).* TO \(writer)` "
                    + text(
                        "(deploy/clickhouse/grants.sql; для пользователей из XML — deploy/clickhouse/users.d/etl_writer.xml)",
                        "(deploy/clickhouse/grants.sql; for users defined in XML, deploy/clickhouse/users.d/etl_writer.xml)"
                    )),
            Problem(
                symptom: "`Code: 47` / `Code: 62` … `Missing columns`",
                cause: text(
                    "CREATE VIEW в миграции ссылается на столбец, которого нет",
                    "a migration's CREATE VIEW names a column that does not exist"),
                remedy: "`deployctl migrate validate --replay \(name)` "
                    + text(
                        "называет миграцию и запрос; исправить её в новом релизе",
                        "names the migration and the query; fix it in a new release")),
            Problem(
                symptom: "ConnectionError / 403 / 503 " + text("от QTickets API", "from the QTickets API"),
                cause: text(
                    "неверный или просроченный токен, либо API недоступен",
                    "a wrong or expired token, or the API is down"),
                remedy: "`\(loader("check-api"))`; "
                    + text(
                        "новый токен: `deployctl secrets push \(name) --from <файл>`",
                        "a new token: `deployctl secrets push \(name) --from <file>`")),
            Problem(
                symptom: text("healthcheck: данные устарели", "healthcheck: data stale"),
                cause: text(
                    "таймер не запускает лоадер, или запуски падают",
                    "the timer does not start the loader, or its runs fail"),
                remedy:
                    "`systemctl list-timers qtickets_api.timer`; `journalctl -u qtickets_api.service -n 100 --no-pager`"
            ),
            Problem(
                symptom: "`deployctl's bookkeeping is still in the pipeline's database`",
                cause: text(
                    "старая версия deployctl хранила свои служебные таблицы в \(database)",
                    "an older deployctl kept its own tables in \(database)"),
                remedy: "`deployctl migrate move-state \(name)`"),
        ]
    }

    /// The procedure as Markdown.
    public func markdown() -> String {
        let host = environment.clickhouseHost
        var lines = [
            text(
                "# E2E-проверка QTickets API вручную: \(environment.name)",
                "# The QTickets API E2E check by hand: \(environment.name)"),
            "",
            text(
                "Что `deployctl verify \(environment.name)` проверяет по областям, и как увидеть то же самое самому. Команды выполняются на хосте \(host.name) (`ssh -p \(host.port) \(host.user)@\(host.address)`), если не сказано иное; пароль администратора ClickHouse (\(clickhouse.admin.user)) спрашивает clickhouse-client.",
                "What `deployctl verify \(environment.name)` checks, area by area, and how to see the same facts yourself. Commands run on host \(host.name) (`ssh -p \(host.port) \(host.user)@\(host.address)`) unless said otherwise; clickhouse-client asks for the ClickHouse admin's (\(clickhouse.admin.user)) password."
            ),
        ]
        for area in CheckResult.Area.allCases {
            lines += ["", "## " + VerificationReport.areaTitle(area).text(language)]
            for step in steps(area) {
                lines += [
                    "", "- **\(step.what)**", "", "  ```sh", "  \(step.command)", "  ```", "",
                    "  " + text("Ожидается: ", "Expected: ") + step.expected,
                ]
            }
        }
        lines += [
            "", text("## Возможные проблемы", "## Possible problems"), "",
            text("| Признак | Причина | Решение |", "| Symptom | Cause | Remedy |"), "|---|---|---|",
        ]
        for problem in problems {
            lines.append(
                "| \(VerificationReport.cell(problem.symptom)) | \(VerificationReport.cell(problem.cause)) | \(VerificationReport.cell(problem.remedy)) |"
            )
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
