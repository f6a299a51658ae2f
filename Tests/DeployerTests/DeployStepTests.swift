import ClickHouse
import Console
import Environments
import Foundation
import Migrator
import Testbed
import Testing

@testable import Deployer

/// The typed plan: its steps' text and JSON, the names they are made of, and the one decision on
/// undoing migrations; no host is involved.
@Suite("DeployStep, the plan's names and the migration undo decision")
struct DeployStepTests {
    static let release = try! ReleaseID("3f2a9c1d0b8e7a65")
    static let old = try! ReleaseID("0123456789abcdef")
    static let museshow = try! HostName("museshow")
    static let unit = try! UnitName("qtickets_api.service")

    /// One step of every kind, each with the JSON object it encodes as (keys sorted).
    static let samples: [(DeployStep, String)] = [
        (
            .upload(host: museshow, release: release),
            #"{"host":"museshow","release":"3f2a9c1d0b8e7a65","step":"upload"}"#
        ),
        (
            .verifyRelease(host: museshow, release: release),
            #"{"host":"museshow","release":"3f2a9c1d0b8e7a65","step":"verify-release"}"#
        ),
        (.checkEnvironment(host: museshow), #"{"host":"museshow","step":"check-env"}"#),
        (.verifyUnits(host: museshow), #"{"host":"museshow","step":"verify-units"}"#),
        (.armWatchdog(host: museshow), #"{"host":"museshow","step":"arm-watchdog"}"#),
        (.stopTimer(host: museshow), #"{"host":"museshow","step":"stop-timer"}"#),
        (
            .installUnit(host: museshow, unit: unit),
            #"{"host":"museshow","step":"install-unit","unit":"qtickets_api.service"}"#
        ),
        (
            .removeUnit(host: museshow, unit: unit),
            #"{"host":"museshow","step":"remove-unit","unit":"qtickets_api.service"}"#
        ),
        (.daemonReload(host: museshow), #"{"host":"museshow","step":"daemon-reload"}"#),
        (
            .switchRelease(host: museshow, to: release),
            #"{"host":"museshow","release":"3f2a9c1d0b8e7a65","step":"switch"}"#
        ),
        (.enable(host: museshow, unit: unit), #"{"host":"museshow","step":"enable","unit":"qtickets_api.service"}"#),
        (.disableTimer(host: museshow), #"{"host":"museshow","step":"disable-timer"}"#),
        (.restart(host: museshow, unit: unit), #"{"host":"museshow","step":"restart","unit":"qtickets_api.service"}"#),
        (.start(host: museshow, unit: unit), #"{"host":"museshow","step":"start","unit":"qtickets_api.service"}"#),
        (.postCheck(host: museshow), #"{"host":"museshow","step":"post-check"}"#),
        (.confirm(host: museshow), #"{"host":"museshow","step":"confirm"}"#),
        (.prune(host: museshow), #"{"host":"museshow","step":"prune"}"#),
        (.migrate(version: 9, slug: "probe_view"), #"{"slug":"probe_view","step":"migrate","version":9}"#),
        (.migrateDown(version: 9, slug: "probe_view"), #"{"slug":"probe_view","step":"migrate-down","version":9}"#),
    ]

    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    @Test("every kind of step encodes as its object and decodes back to the same step")
    func roundTrip() throws {
        #expect(Set(Self.samples.map(\.0.kind)) == Set(DeployStep.Kind.allCases), "one sample of every kind")
        for (step, object) in Self.samples {
            #expect(try Self.json(step) == object)
            #expect(try JSONDecoder().decode(DeployStep.self, from: Data(object.utf8)) == step)
        }
    }

    @Test("a step's description is the text plan's line")
    func descriptions() {
        #expect(
            Self.samples.map(\.0.description) == [
                "upload museshow 3f2a9c1d0b8e7a65", "verify-release museshow 3f2a9c1d0b8e7a65", "check-env museshow",
                "verify-units museshow", "arm-watchdog museshow", "stop-timer museshow",
                "install-unit museshow qtickets_api.service", "remove-unit museshow qtickets_api.service",
                "daemon-reload museshow", "switch museshow 3f2a9c1d0b8e7a65", "enable museshow qtickets_api.service",
                "disable-timer museshow", "restart museshow qtickets_api.service",
                "start museshow qtickets_api.service", "post-check museshow", "confirm museshow", "prune museshow",
                "migrate 0009_probe_view", "migrate-down 0009_probe_view",
            ])
        #expect(Self.samples.filter(\.0.startsSwitch).map(\.0.kind) == [.armWatchdog, .stopTimer, .switchRelease])
        #expect(Self.samples.filter { $0.0.host == nil }.map(\.0.kind) == [.migrate, .migrateDown])
    }

    @Test("a step object with an unsafe name, a missing field or an unknown step does not decode")
    func refusedObjects() {
        for object in [
            #"{"host":"museshow","step":"restart","unit":"a b.service"}"#,
            #"{"host":"museshow","step":"restart","unit":"--now.service"}"#,
            #"{"host":"Museshow","step":"prune"}"#,
            #"{"host":"museshow","release":"../../etc","step":"switch"}"#,
            #"{"host":"museshow","step":"install-unit"}"#,
            #"{"host":"museshow","step":"reboot"}"#,
        ] {
            #expect(throws: DecodingError.self, "\(object)") {
                try JSONDecoder().decode(DeployStep.self, from: Data(object.utf8))
            }
        }
    }

    @Test("the names take what systemd, the release store and the environment file allow, nothing else")
    func names() throws {
        for valid in ["qtickets_api.service", "qtickets_api.timer", "clickhouse@main.service", "a-b:c\\x2d.socket"] {
            #expect(throws: Never.self) { try UnitName(valid) }
        }
        for invalid in [
            "", "qtickets api.service", "-now.service", ".hidden.service", "a/b.service", "a.conf", "a.service\n",
            "a;rm.service", String(repeating: "a", count: 250) + ".service",
        ] {
            #expect(throws: InvalidPlanValue.self, "\(invalid)") { try UnitName(invalid) }
        }
        #expect(throws: InvalidPlanValue.self) { try ReleaseID("3f2a9c1d") }
        #expect(throws: InvalidPlanValue.self) { try ReleaseID("3F2A9C1D0B8E7A65") }
        #expect(throws: InvalidPlanValue.self) { try ReleaseID("../3f2a9c1d0b8e7a") }
        let prefix = try ReleaseID.Prefix("3f2a")
        #expect(prefix.matches(Self.release) && !prefix.matches(Self.old))
        #expect(throws: InvalidPlanValue.self) { try ReleaseID.Prefix("") }
        #expect(throws: InvalidPlanValue.self) { try ReleaseID.Prefix("3f2a9c1d0b8e7a65f") }
        #expect(throws: InvalidPlanValue.self) { try ReleaseID.Prefix("previous") }
        #expect(throws: Never.self) { try HostName("client-prod") }
        for invalid in ["", "-prod", "Prod", "prod_2", "prod 2"] {
            #expect(throws: InvalidPlanValue.self, "\(invalid)") { try HostName(invalid) }
        }
    }

    /// A release folder with the repository's units (and `extra` unit files) and its manifest.
    static func release(in directory: TemporaryDirectory, extra: [String: String] = [:]) throws -> ReleaseSummary {
        var files: [ReleaseManifest.File] = []
        let units = Testbed.repository.appendingPathComponent("systemd").path
        var texts = extra
        for name in try FileManager.default.contentsOfDirectory(atPath: units) {
            texts[name] = try String(contentsOfFile: units + "/" + name, encoding: .utf8)
        }
        for (name, text) in texts {
            _ = try directory.write(text, to: "systemd/" + name)
            files.append(
                .init(
                    path: "systemd/" + name, sha256: ReleaseBuilder.sha256(of: text), mode: "644",
                    size: UInt64(text.utf8.count)))
        }
        let manifest = ReleaseManifest(
            revision: nil, dirty: false, builtAt: "2026-01-01T00:00:00Z", builtBy: "test@host", signer: "SHA256:x",
            files: files)
        return ReleaseSummary(manifest: manifest, path: directory.path, status: .stored)
    }

    static func state(
        current: ReleaseID?, releases: [ReleaseID], installed: [String: String] = [:], dropIns: [String: String] = [:],
        currentUnits: [String] = []
    ) -> HostState {
        HostState(
            current: current?.value, previous: nil, releases: releases.map(\.value),
            unitHashes: installed.mapValues(ReleaseBuilder.sha256(of:)),
            dropInHashes: dropIns.mapValues(ReleaseBuilder.sha256(of:)), unitTexts: installed, dropInTexts: dropIns,
            currentUnits: currentUnits, currentManifest: nil, lock: nil, now: 0, freeBytes: 1 << 30)
    }

    @Test("a planned deploy's steps: the text plan's lines, and the JSON's step objects")
    func plannedDeploy() throws {
        let directory = try TemporaryDirectory("release")
        let summary = try Self.release(in: directory)
        let id = try ReleaseID(summary.id)
        let environment = try EnvironmentSessionTests.environment(
            hosts: ["museshow", "prod2"], clickhouseHost: "museshow")
        let planner = DeployPlanner(environment: environment, layout: HostLayout(environment), release: summary)
        // prod2 holds the release already, runs an older one with the same units and one unit more.
        let prod2 = Self.state(
            current: Self.old, releases: [Self.old, id], installed: planner.unitTexts,
            dropIns: planner.dropIns.compactMapValues { $0 }, currentUnits: ["old_job.service"])
        let migration = try JSONDecoder().decode(
            Migrator<ClickHouseClient>.Step.self,
            from: Data(
                #"{"version":9,"slug":"probe_view","direction":"up","statements":["SELECT 1"],"firstStatement":1}"#.utf8
            ))
        let plan = try planner.plan(
            hosts: [
                (environment.hosts[0], Self.state(current: nil, releases: [])), (environment.hosts[1], prod2),
            ], migrations: [migration], lint: [], dryRun: true)
        let museshow = [
            "install-unit museshow qtickets_api.service", "install-unit museshow qtickets_api.timer",
            "install-unit museshow qtickets_healthcheck.service", "daemon-reload museshow", "switch museshow \(id)",
            "enable museshow qtickets_api.timer", "enable museshow qtickets_healthcheck.service",
            "restart museshow qtickets_api.timer", "restart museshow qtickets_healthcheck.service",
            "post-check museshow", "confirm museshow", "prune museshow",
        ]
        let prod2Steps = [
            "verify-release prod2 \(id)", "check-env prod2", "verify-units prod2", "arm-watchdog prod2",
            "stop-timer prod2", "remove-unit prod2 old_job.service", "daemon-reload prod2", "switch prod2 \(id)",
            "enable prod2 qtickets_healthcheck.service", "disable-timer prod2", "post-check prod2", "confirm prod2",
            "prune prod2",
        ]
        #expect(
            plan.actions.map(\.description)
                == [
                    "upload museshow \(id)", "verify-release museshow \(id)", "check-env museshow",
                    "verify-units museshow", "migrate 0009_probe_view", "arm-watchdog museshow", "stop-timer museshow",
                ] + museshow + prod2Steps)
        #expect(plan.hosts.map(\.from) == [nil, Self.old])
        #expect(plan.render(Terminal.plain).contains("     7. stop-timer museshow\n"))

        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(Self.json(plan).utf8)) as? [String: Any])
        let actions = try #require(document["actions"] as? [[String: Any]])
        #expect(actions.count == plan.actions.count)
        #expect(actions.first as? [String: String] == ["step": "upload", "host": "museshow", "release": id.value])
        #expect(actions[4]["step"] as? String == "migrate" && actions[4]["version"] as? Int == 9)
        let hosts = try #require(document["hosts"] as? [[String: Any]])
        #expect(
            (hosts.last?["actions"] as? [[String: String]])?[5]
                == ["step": "remove-unit", "host": "prod2", "unit": "old_job.service"])
        #expect(hosts.last?["from"] as? String == Self.old.value)
        let decoded = try JSONDecoder().decode([DeployStep].self, from: JSONEncoder().encode(plan.actions))
        #expect(decoded == plan.actions)
    }

    @Test(
        "a deploy that failed before its switch touched the units of the steps it took and of the one it failed at, no other"
    )
    func unitsTouchedBeforeSwitch() throws {
        let directory = try TemporaryDirectory("release")
        let summary = try Self.release(in: directory)
        let environment = try EnvironmentSessionTests.environment(hosts: ["museshow"], clickhouseHost: "museshow")
        let planner = DeployPlanner(environment: environment, layout: HostLayout(environment), release: summary)
        let host = try planner.plan(
            hosts: [
                (
                    environment.hosts[0],
                    Self.state(
                        current: Self.old, releases: [Self.old], installed: ["qtickets_api.timer": "[Timer]\n"],
                        currentUnits: ["old_job.service"])
                )
            ], migrations: [], lint: [], dryRun: true
        ).hosts[0]
        func touched(failingAt step: String) -> [String] {
            let taken = Array(host.actions.prefix { $0.description != step })
            return host.unitsTouched(by: taken, stoppedTimers: planner.timers)
        }
        #expect(planner.timers == ["qtickets_api.timer"])
        #expect(touched(failingAt: "arm-watchdog museshow").isEmpty, "nothing changed yet")
        #expect(touched(failingAt: "stop-timer museshow") == ["qtickets_api.timer"])
        #expect(
            touched(failingAt: "install-unit museshow qtickets_api.timer")
                == ["qtickets_api.timer", "qtickets_api.service"], "the unit it failed at, once")
        #expect(
            touched(failingAt: "daemon-reload museshow")
                == [
                    "qtickets_api.timer", "qtickets_api.service", "qtickets_healthcheck.service", "old_job.service",
                ])
    }

    @Test("a release or a host that names an unsafe unit cannot be planned")
    func unsafeNames() throws {
        let directory = try TemporaryDirectory("release")
        let environment = try EnvironmentSessionTests.environment(hosts: ["museshow"])
        let unsafe = try Self.release(in: directory, extra: ["x; rm -rf y.service": "[Service]\n"])
        let planner = DeployPlanner(environment: environment, layout: HostLayout(environment), release: unsafe)
        let refused = #expect(throws: CommandFailure.self) {
            try planner.plan(
                hosts: [(environment.hosts[0], Self.state(current: nil, releases: []))], migrations: [], lint: [],
                dryRun: true)
        }
        #expect(refused?.message.contains("'x; rm -rf y.service' is not a systemd unit name") == true)

        let other = try TemporaryDirectory("release")
        let safe = DeployPlanner(
            environment: environment, layout: HostLayout(environment), release: try Self.release(in: other))
        let listed = #expect(throws: CommandFailure.self) {
            try safe.plan(
                hosts: [
                    (
                        environment.hosts[0],
                        Self.state(current: Self.old, releases: [Self.old], currentUnits: ["../../etc/passwd"])
                    )
                ], migrations: [], lint: [], dryRun: true)
        }
        #expect(listed?.message.hasPrefix("museshow's current release: '../../etc/passwd'") == true)
    }

    /// Migrations 0001 (a table; its down drops it) and 0002 (a plain view; its down loses nothing).
    static func migrations() throws -> [Migration] {
        let directory = try TemporaryDirectory("migrations")
        _ = try directory.write("CREATE TABLE t (x Int32) ENGINE = MergeTree ORDER BY x;\n", to: "0001_table.up.sql")
        _ = try directory.write("DROP TABLE t;\n", to: "0001_table.down.sql")
        _ = try directory.write("CREATE VIEW v AS SELECT 1;\n", to: "0002_view.up.sql")
        _ = try directory.write("DROP VIEW v;\n", to: "0002_view.down.sql")
        return try MigrationSet(directory: directory.path).migrations
    }

    @Test(
        "undoing migrations: the automatic rollback follows rollback_migrations and keeps data; a person may allow the loss"
    )
    func migrationUndo() throws {
        let migrations = try Self.migrations()
        let reversible = try EnvironmentSessionTests.environment(hosts: ["museshow"])
        var never = reversible
        never.deploy.rollbackMigrations = .never
        let automatic = MigrationUndo.automatic(reversible)
        #expect(automatic.decide(undoing: [2], of: migrations) == .undo(dataLoss: []))
        guard case .keptForDataLoss(let losses) = automatic.decide(undoing: [1, 2], of: migrations) else {
            Issue.record("a down that drops a table keeps the schema")
            return
        }
        #expect(losses.count == 1 && losses[0].contains("DROP TABLE t"), "\(losses)")
        #expect(MigrationUndo.automatic(never).decide(undoing: [2], of: migrations) == .keptByPolicy)
        #expect(MigrationUndo.automatic(never).decide(undoing: [], of: migrations) == .keptByPolicy)
        #expect(MigrationUndo.requested(allowDataLoss: false).decide(undoing: [1], of: migrations) == .refused(losses))
        #expect(
            MigrationUndo.requested(allowDataLoss: true).decide(undoing: [1, 2], of: migrations)
                == .undo(dataLoss: losses))
        #expect(
            MigrationUndo.requested(allowDataLoss: false).decide(undoing: [2], of: migrations) == .undo(dataLoss: []))
    }
}
