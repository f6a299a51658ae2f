import Foundation
import SSH
import Testbed

/// `make bench`, deploys: the release `deployctl` deploying to the testbed host prod2 (first
/// deploy on a fresh host, a new release, the same release again, a rollback to the first), next to an Ansible playbook doing
/// the same work on the same host in the same run (ansible-core from PyPI, pipelining on), and the
/// bundle's upload next to `scp` of the same tar. With a `link`, the same runs over prod2's link
/// shaped to that rate (without the upload comparison, which measures the SSH layer, not the link).
struct DeployBench {
    let testbed: Testbed
    let deployctl: String
    let sshOptions: [String]
    var link: LinkShape?

    struct Result: Encodable {
        struct Case: Encodable {
            let name: String
            let deployctlSeconds: Double
            let roundTrips: Int
            let ansibleSeconds: Double?
            let ansibleTasks: Int?
        }

        /// `veth` (the testbed's own link) or the shaped rate.
        let link: String
        let cases: [Case]
        /// What a deploy that ships something sends: the files whose content the host lacks, compressed.
        struct Transfer: Encodable {
            let name: String
            let seconds: Double
            let files: Int
            let releaseFiles: Int
            let bytes: Int
            let wireBytes: Int
            let compression: String
        }

        /// A release whose binary changed, and one that changes only a unit.
        let transfers: [Transfer]
        /// `deployctl verify` of the deployed host: wall time, the loader run's share, checks, SSH requests.
        let verifySeconds: Double
        let verifyLoaderSeconds: Double
        let verifyChecks: Int
        /// The bundle's upload against `scp`: measured on the unshaped link only.
        struct Upload: Encodable {
            let bundleMegabytes: Double
            let deployctlSeconds: Double
            let scpSeconds: Double
        }

        let upload: Upload?
        let ansible: String?
    }

    static let host = "prod2"

    func run() async throws -> Result {
        let work = try TemporaryDirectory("bench-deploy")
        let deployTarget = try DeployTarget(Self.host, testbed: testbed, in: work)
        let target = deployTarget.host
        let environment = deployTarget.variables
        let binary = self.deployctl
        func deployctl(_ arguments: [String], mayFail: Bool = false) throws -> (seconds: Double, output: [String: Any])
        {
            let started = ContinuousClock.now
            let run = try DeployctlRun(
                ["--env-dir", deployTarget.environments, "--json"] + arguments, environment: environment, binary: binary
            )
            let seconds = started.duration(to: .now).secondsValue
            guard run.status == 0 || mayFail else {
                throw TestbedUnavailable(
                    "deployctl \(arguments.joined(separator: " ")) failed: \(run.stdout)\(run.stderr)")
            }
            return (seconds, (run.result as? [String: Any]) ?? [:])
        }
        let connection = try testbed.connect(target)
        defer { connection.close() }
        if let link {
            try link.apply(to: Self.host)
        }
        defer { link?.remove(from: Self.host) }
        let clean = DeployTarget.removal
        _ = try connection.execute(clean)

        let pipeline = try await BenchPipeline.start(for: target, in: work)
        defer { Task { await pipeline.stop() } }
        let envFile = pipeline.envFile

        let loader = Testbed.repository.appendingPathComponent(".build/static/qtickets-api").path
        let second = try work.variant(of: loader, marked: "bench")
        func build(_ binary: String) throws -> String {
            let built = try deployctl([
                "release", "build", "--allow-dirty", "--checkout", Testbed.repository.path, "--binary", binary,
            ])
            return try ((built.output["manifest"] as? [String: Any])?["id"] as? String).unwrap()
        }
        let first = try build(loader)
        let next = try build(second)

        var cases: [Result.Case] = []
        var transfers: [Result.Transfer] = []
        func deploy(_ name: String, _ release: String) throws -> (Double, Int) {
            let run = try deployctl(["deploy", Self.host, "--release", release])
            let hosts = (run.output["plan"] as? [String: Any])?["hosts"] as? [[String: Any]]
            if let sent = hosts?.first?["transfer"] as? [String: Any] {
                transfers.append(
                    .init(
                        name: name, seconds: run.seconds, files: (sent["files"] as? [String])?.count ?? 0,
                        releaseFiles: sent["releaseFiles"] as? Int ?? 0, bytes: sent["bytes"] as? Int ?? 0,
                        wireBytes: sent["wireBytes"] as? Int ?? 0, compression: sent["compression"] as? String ?? "?"))
            }
            return (run.seconds, run.output["roundTrips"] as? Int ?? 0)
        }
        _ = try deployctl(["setup", Self.host])
        _ = try deployctl(["secrets", "push", Self.host, "--from", envFile])
        let ours = [("first deploy (fresh host)", first), ("new release", next), ("same release again (no-op)", next)]
            .map { ($0.0, $0.1) }
        var measured: [(String, Double, Int)] = []
        for (name, release) in ours {
            let (seconds, trips) = try deploy(name, release)
            measured.append((name, seconds, trips))
        }
        let verified = try deployctl(["verify", Self.host, "--output-dir", work.path], mayFail: true)
        let checks = ((verified.output["hosts"] as? [[String: Any]])?.first?["checks"] as? [[String: Any]]) ?? []
        let failed = checks.filter { $0["outcome"] as? String == "fail" }.compactMap { $0["id"] as? String }
        if !failed.isEmpty {
            FileHandle.standardError.write(Data("deploy bench: verify failed \(failed.joined(separator: ", "))\n".utf8))
        }
        let loaderSeconds = checks.first { $0["id"] as? String == "load.run" }?["seconds"] as? Double ?? 0
        // Back to the first release: its units, current, a loader run and the healthcheck; the
        // playbook's rollback is the same playbook run for the older release.
        let rollback = try deployctl(["rollback", Self.host])
        measured.append(
            (
                "rollback to the previous release", rollback.seconds,
                (rollback.output["report"] as? [String: Any])?["roundTrips"] as? Int ?? 0
            ))
        // A release of the first one's files with only the timer changed: its binary stays on the host.
        let checkout = work.file("unit-only")
        for folder in ["systemd", "migrations", "checks"] {
            try FileManager.default.copyItem(
                atPath: Testbed.repository.appendingPathComponent(folder).path, toPath: checkout + "/" + folder)
        }
        let timer = checkout + "/systemd/qtickets_api.timer"
        try String(contentsOfFile: timer, encoding: .utf8).replacingOccurrences(
            of: "RandomizedDelaySec=60", with: "RandomizedDelaySec=75"
        ).write(toFile: timer, atomically: true, encoding: .utf8)
        let unitOnly = try
            ((try deployctl(["release", "build", "--checkout", checkout, "--binary", loader])
            .output["manifest"] as? [String: Any])?["id"] as? String).unwrap()
        _ = try deploy("unit-only release", unitOnly)
        _ = try connection.execute(clean)

        let ansible = try AnsibleDeploy(
            work: work, targets: [target], sshOptions: sshOptions, releases: work.file("releases"), envFile: envFile)
        let ansibleRuns = try [first, next, next, first].map { try ansible.deploy($0) }
        _ = try connection.execute(clean)
        for (index, figure) in measured.enumerated() {
            cases.append(
                .init(
                    name: figure.0, deployctlSeconds: figure.1, roundTrips: figure.2,
                    ansibleSeconds: ansibleRuns[index].seconds,
                    ansibleTasks: ansibleRuns[index].tasks))
        }

        return Result(
            link: link?.name ?? "veth", cases: cases, transfers: transfers, verifySeconds: verified.seconds,
            verifyLoaderSeconds: loaderSeconds, verifyChecks: checks.count,
            upload: link == nil
                ? try measureUpload(
                    of: work.file("releases/\(next)"), to: target, over: connection, in: work) : nil,
            ansible: ansible.version)
    }

    /// The bundle's upload, on its own, against scp of the same tar.
    private func measureUpload(
        of release: String, to target: Testbed.Host, over connection: SSHConnection, in work: TemporaryDirectory
    ) throws -> Result.Upload {
        let tar = work.file("bundle.tar")
        _ = try shell(["tar", "-C", release, "-cf", tar, "."])
        let size = Double((try FileManager.default.attributesOfItem(atPath: tar)[.size] as? Int) ?? 0) / 1_048_576
        let upload = try (0..<3).map { _ in
            try timed { _ = try connection.transfer(file: tar, to: "/tmp/deployctl-bench-bundle.tar") }
        }
        let scp = try (0..<3).map { _ in
            try timed {
                try shell(
                    ["scp", "-q"] + sshOptions.map { $0 == "-p" ? "-P" : $0 } + [
                        tar, "\(target.user)@\(target.address):/tmp/scp-bench-bundle.tar",
                    ])
            }
        }
        _ = try connection.execute("rm -f /tmp/deployctl-bench-bundle.tar /tmp/scp-bench-bundle.tar")
        return Result.Upload(bundleMegabytes: size, deployctlSeconds: median(upload), scpSeconds: median(scp))
    }
}

extension Optional {
    func unwrap(_ what: String = "a value") throws -> Wrapped {
        guard let self else { throw TestbedUnavailable("missing \(what)") }
        return self
    }
}
