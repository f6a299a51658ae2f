import ClickHouse
import Foundation
import SSH
import Testbed

/// `make bench`, fleet: one release deployed (`--parallel` as many as there are hosts) and verified
/// on 1, 5 and 20 hosts: museshow, which holds the database and runs the loader, and the testbed's
/// light hosts fleet01… (`testbed.sh up --fleet 19`), whose 127.0.0.1:8123 is museshow's ClickHouse.
/// Next to it the Ansible playbook on the same hosts with as many forks. Each size starts from
/// hosts without the pipeline and an empty database, so that each does the same work.
struct FleetBench {
    let testbed: Testbed
    let deployctl: String
    let sshOptions: [String]
    static let sizes = [1, 5, 20]

    struct Result: Encodable {
        struct Size: Encodable {
            let hosts: Int
            let deploySeconds: Double
            let deployRoundTrips: Int
            let deployPeakRSSMegabytes: Double
            /// CPU time during the deploy: deployctl's own, and all the hosts' together (their cgroups'
            /// cpu.stat), on the machine's cores, which workstation and hosts share here.
            let deployCPUSeconds: Double
            let hostsCPUSeconds: Double
            /// The most sockets deployctl held at once during the deploy (SSH connections and tunnels).
            let deployPeakSockets: Int
            let verifySeconds: Double
            let verifyPassed: Bool
            let verifyPeakRSSMegabytes: Double
            let verifyPeakSockets: Int
            let ansibleSeconds: Double
        }

        let sizes: [Size]
        /// What one light host takes: the proportional set size of its processes (median over the fleet).
        let hostMegabytes: Double
        let ansible: String?
    }

    /// The light hosts the biggest size needs, or why the testbed cannot run this section.
    static func fleetHosts(of testbed: Testbed) throws -> [Testbed.Host] {
        let hosts = testbed.hosts.filter { $0.name.hasPrefix("fleet") }.sorted { $0.name < $1.name }
        guard hosts.count >= sizes.max()! - 1 else {
            throw TestbedUnavailable(
                "the fleet section needs \(sizes.max()! - 1) light hosts, the testbed runs \(hosts.count): "
                    + "bash testbed/testbed.sh up --fleet \(sizes.max()! - 1) (make bench does)")
        }
        return hosts
    }

    func run() async throws -> Result {
        let work = try TemporaryDirectory("bench-fleet")
        let museshow = testbed.host("museshow")
        let fleet = try Self.fleetHosts(of: testbed)
        guard let source = testbed.environments else {
            throw TestbedUnavailable("the testbed writes no environment files")
        }
        let template = try String(contentsOfFile: source + "/museshow.toml", encoding: .utf8)
        let variables = [
            "DEPLOYCTL_RELEASES": work.file("releases"),
            "DEPLOYCTL_SIGNING_KEY": Testbed.directory + "/keys/release_ed25519",
            "DEPLOYCTL_STATE_DIR": work.file("state"),
        ]
        let environments = work.file("environments")
        let binary = self.deployctl
        func deployctl(_ arguments: [String]) throws -> MeasuredRun {
            try MeasuredRun(
                [binary, "--env-dir", environments, "--json"] + arguments, environment: variables, in: work)
        }

        let pipeline = try await BenchPipeline.start(for: museshow, in: work)
        defer { Task { await pipeline.stop() } }
        let envFile = pipeline.envFile

        let loader = Testbed.repository.appendingPathComponent(".build/static/qtickets-api").path
        let built = try deployctl([
            "release", "build", "--allow-dirty", "--checkout", Testbed.repository.path, "--binary", loader,
        ]).succeeded("release build")
        let release = try ((built["manifest"] as? [String: Any])?["id"] as? String).unwrap("the release id")

        let connections = try ([museshow] + fleet).map { try testbed.connect($0) }
        defer { connections.forEach { $0.close() } }
        // The server keeps its SSH tunnel open while wipe, which uses it, lives.
        let database = try ClickHouseServer.modern(on: museshow.name)
        /// The pipeline off every host and, unless `keepingSchema` (the playbook runs no migrations), its database.
        func wipe(keepingSchema: Bool = false) async throws {
            for connection in connections { _ = try connection.execute(DeployTarget.removal) }
            for name in ["zakaz", "deployctl"] where !keepingSchema {
                try await ClickHouseClient(endpoint: database.admin).execute("DROP DATABASE IF EXISTS \(name)")
            }
        }

        var sizes: [Result.Size] = []
        var ansibleVersion: String?
        for size in Self.sizes {
            let hosts = [museshow] + fleet.prefix(size - 1)
            let name = "fleet\(size)"
            let extra = hosts.dropFirst().map {
                "\n[[hosts]]\nname = \"\($0.name)\"\naddress = \"\($0.address)\"\nport = 22\n"
            }
            try FileManager.default.createDirectory(atPath: environments, withIntermediateDirectories: true)
            try template.replacingOccurrences(of: "\n[app]", with: extra.joined() + "\n[app]")
                .write(toFile: environments + "/\(name).toml", atomically: true, encoding: .utf8)
            try await wipe()
            _ = try deployctl(["setup", name]).succeeded("setup \(name)")
            _ = try deployctl(["secrets", "push", name, "--from", envFile]).succeeded("secrets push \(name)")
            let hostsBefore = hosts.map { HostCgroup.cpuSeconds(of: $0.name) ?? 0 }.reduce(0, +)
            let deploy = try deployctl(["deploy", name, "--release", release, "--parallel", String(size)])
            let hostsCPU = hosts.map { HostCgroup.cpuSeconds(of: $0.name) ?? 0 }.reduce(0, +) - hostsBefore
            _ = try deploy.succeeded("deploy \(name)")
            let verify = try deployctl(["verify", name, "--output-dir", work.file("report-\(size)")])
            if verify.status != 0 {
                let envelope = (try? JSONSerialization.jsonObject(with: Data(verify.stdout.utf8))) as? [String: Any]
                let hosts = ((envelope?["result"] as? [String: Any])?["hosts"] as? [[String: Any]]) ?? []
                let failed = hosts.flatMap { host in
                    ((host["checks"] as? [[String: Any]]) ?? []).filter { $0["outcome"] as? String == "fail" }.map {
                        "\(host["host"] ?? "?") \($0["id"] ?? "?"): \($0["found"] ?? "")"
                    }
                }
                FileHandle.standardError.write(
                    Data("fleet bench: verify \(name) did not pass: \(failed.joined(separator: "; "))\n".utf8))
            }
            try await wipe(keepingSchema: true)
            let ansible = try AnsibleDeploy(
                work: work, targets: hosts, sshOptions: sshOptions, releases: work.file("releases"), envFile: envFile)
            ansibleVersion = ansible.version
            let ansibleRun = try ansible.deploy(release)
            sizes.append(
                .init(
                    hosts: size, deploySeconds: deploy.seconds,
                    deployRoundTrips: (try? deploy.succeeded("deploy"))?["roundTrips"] as? Int ?? 0,
                    deployPeakRSSMegabytes: deploy.peakRSSMegabytes, deployCPUSeconds: deploy.cpuSeconds,
                    hostsCPUSeconds: hostsCPU, deployPeakSockets: deploy.peakSockets,
                    verifySeconds: verify.seconds, verifyPassed: verify.status == 0,
                    verifyPeakRSSMegabytes: verify.peakRSSMegabytes, verifyPeakSockets: verify.peakSockets,
                    ansibleSeconds: ansibleRun.seconds))
        }
        try await wipe()
        let perHost = fleet.compactMap { HostCgroup.megabytes(of: $0.name) }
        return Result(sizes: sizes, hostMegabytes: perHost.isEmpty ? 0 : median(perHost), ansible: ansibleVersion)
    }
}

/// A run of deployctl with what `DeployctlRun` does not tell: its peak RSS (wait4) and the most
/// sockets it held at once (its /proc/PID/fd, sampled every 20 ms while it runs).
struct MeasuredRun {
    let status: Int32
    let stdout: String
    let seconds: Double
    let peakRSSMegabytes: Double
    /// User and system time.
    let cpuSeconds: Double
    let peakSockets: Int

    init(_ arguments: [String], environment: [String: String], in work: TemporaryDirectory) throws {
        let output = work.file("run-\(UUID().uuidString).out")
        let started = ContinuousClock.now
        guard
            let pid = spawn(
                arguments, environment: ProcessInfo.processInfo.environment.merging(environment) { $1 }, output: output,
                errors: output + ".err")
        else { throw TestbedUnavailable("cannot start \(arguments[0])") }
        let sampler = SocketSampler(pid: pid)
        var status: Int32 = 0
        var usage = rusage()
        wait4(pid, &status, 0, &usage)
        seconds = started.duration(to: .now).secondsValue
        peakSockets = sampler.stop()
        self.status = (status >> 8) & 0xff
        peakRSSMegabytes = Double(usage.ru_maxrss) / 1024
        cpuSeconds =
            Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1_000_000
        stdout = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
    }

    /// The envelope's `result`, or an error with what the command printed.
    func succeeded(_ what: String) throws -> [String: Any] {
        let envelope = (try? JSONSerialization.jsonObject(with: Data(stdout.utf8))) as? [String: Any]
        guard status == 0, let result = envelope?["result"] as? [String: Any] else {
            let message = (envelope?["error"] as? [String: Any])?["message"] as? String
            throw TestbedUnavailable(
                "deployctl \(what) failed (exit \(status)): \(message ?? String(stdout.suffix(2000)))")
        }
        return result
    }
}

/// Counts a process's open sockets until `stop()`.
final class SocketSampler: @unchecked Sendable {
    private let lock = NSLock()
    private var peak = 0
    private var running = true
    private let done = DispatchSemaphore(value: 0)

    init(pid: pid_t) {
        Thread.detachNewThread { [self] in
            let folder = "/proc/\(pid)/fd"
            while lock.withLock({ running }) {
                let sockets = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter {
                    (try? FileManager.default.destinationOfSymbolicLink(atPath: folder + "/" + $0))?.hasPrefix(
                        "socket:")
                        ?? false
                }.count
                lock.withLock { peak = max(peak, sockets) }
                usleep(20_000)
            }
            done.signal()
        }
    }

    /// Stops sampling; returns the peak.
    func stop() -> Int {
        lock.withLock { running = false }
        done.wait()
        return lock.withLock { peak }
    }
}

/// What a testbed host's processes take, its CPU time and the sum of their proportional set sizes,
/// read through the host's own cgroup in the unified hierarchy (testbed.sh's host_cgroups).
enum HostCgroup {
    /// The host's cgroup in the unified hierarchy.
    static func cgroup(of host: String) -> String? {
        guard
            let mounts = try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8),
            let unified = mounts.split(separator: "\n").map({ $0.split(separator: " ") })
                .first(where: { $0.count > 2 && $0[2] == "cgroup2" })?[1]
        else { return nil }
        return "\(unified)/deployctl-testbed-\(host)"
    }

    /// The CPU time the host's processes have used (cgroup v2 keeps cpu.stat without the cpu controller).
    static func cpuSeconds(of host: String) -> Double? {
        guard let root = cgroup(of: host),
            let stat = try? String(contentsOfFile: root + "/cpu.stat", encoding: .utf8),
            let line = stat.split(separator: "\n").first(where: { $0.hasPrefix("usage_usec ") }),
            let micros = Double(line.dropFirst("usage_usec ".count))
        else { return nil }
        return micros / 1_000_000
    }

    static func megabytes(of host: String) -> Double? {
        guard let root = cgroup(of: host) else { return nil }
        guard let paths = FileManager.default.enumerator(atPath: root)?.compactMap({ $0 as? String }) else {
            return nil
        }
        var kilobytes = 0
        for path in [""] + paths where path.isEmpty || path.hasSuffix("cgroup.procs") {
            let file = path.isEmpty ? root + "/cgroup.procs" : root + "/" + path
            for pid in ((try? String(contentsOfFile: file, encoding: .utf8)) ?? "").split(separator: "\n") {
                let rollup = (try? String(contentsOfFile: "/proc/\(pid)/smaps_rollup", encoding: .utf8)) ?? ""
                if let line = rollup.split(separator: "\n").first(where: { $0.hasPrefix("Pss:") }),
                    let value = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
                {
                    kilobytes += value
                }
            }
        }
        return kilobytes == 0 ? nil : Double(kilobytes) / 1024
    }
}
