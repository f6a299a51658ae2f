import Console
import Deployer
import Foundation
import SSH
import Testbed
import Testing

@Suite("PipelineInstaller's steps, on an in-memory host")
struct PipelineInstallerTests {
    static let units = PipelineUnits(directory: Testbed.repository.appendingPathComponent("systemd").path, names: [])

    @Test("the unit list is every .service and .timer file of systemd/")
    func unitList() throws {
        let units = try PipelineUnits.load(from: Testbed.repository.appendingPathComponent("systemd").path)
        #expect(units.names == ["qtickets_api.service", "qtickets_api.timer", "qtickets_healthcheck.service"])
        let empty = try TemporaryDirectory("units")
        #expect(throws: PipelineUnitsError.self) { try PipelineUnits.load(from: empty.path) }
    }

    @Test("a release's files land under releases/<id>; current is switched by rename, then systemd reloads")
    func installAndActivate() async throws {
        let units = try PipelineUnits.load(from: Testbed.repository.appendingPathComponent("systemd").path)
        let installer = PipelineInstaller(units: units)
        let host = InMemoryHost(label: "h")
        let binary = try TemporaryDirectory("binary")
        let path = try binary.write("#!/bin/sh\n", to: "qtickets-api")
        try await installer.install(release: "r1", binary: path, on: host)
        try await installer.installUnits(on: host)
        try await installer.activate(release: "r1", on: host, starting: ["qtickets_api.timer"])
        #expect(host.files["/opt/qtickets_api/releases/r1/bin/qtickets-api"]?.mode == 0o755)
        #expect(host.files["/opt/qtickets_api/releases/r1/RELEASE"]?.data == Data("r1\n".utf8))
        #expect(Set(host.files.keys).isSuperset(of: units.names.map { "/etc/systemd/system/" + $0 }))
        let switchCommand = try #require(host.commands.last)
        #expect(switchCommand.hasPrefix("sh -c "), "\(switchCommand)")
        #expect(
            switchCommand.hasSuffix(
                " pipeline-activate /opt/qtickets_api/current /opt/qtickets_api/releases/r1 qtickets_api.timer"),
            "pipeline-activate.sh runs with the link, the release folder and the timers as arguments: \(switchCommand)")
    }

    @Test("a step that fails on the host says which step, with the host's output")
    func failingStep() async throws {
        let installer = PipelineInstaller(units: Self.units)
        let host = InMemoryHost(label: "h") { _ in .init(stderr: "useradd: permission denied", exitStatus: 1) }
        do {
            try await installer.prepare(on: host)
            Issue.record("prepare must fail")
        } catch {
            #expect(error.verdict == .checkFailed)
            #expect(
                error.message.contains(
                    "h: preparing the account and folders failed (exit 1): useradd: permission denied"),
                "\(error.message)")
        }
    }
}
