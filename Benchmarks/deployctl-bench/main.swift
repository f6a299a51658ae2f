import Foundation
import SSH
import Testbed

/// `make bench`: deployctl's SSH layer against OpenSSH's own `ssh`/`scp`, on the same testbed host,
/// in the same run. Prints one aligned table (or JSON with --json).
struct Figure: Encodable {
    let name: String
    let deployctl: Double
    let openssh: Double
    let unit: String
    /// deployctl ÷ OpenSSH for times, OpenSSH ÷ deployctl for throughput: above 1 means deployctl is slower.
    let slowdown: Double
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted[sorted.count / 2]
}

/// `11.46 MiB` or `8.7 KiB`.
func byteText(_ bytes: Int) -> String {
    bytes >= 1 << 20
        ? String(format: "%.2f MiB", Double(bytes) / 1_048_576) : String(format: "%.1f KiB", Double(bytes) / 1024)
}

func timed(_ body: () throws -> Void) rethrows -> Double {
    let start = ContinuousClock.now
    try body()
    return start.duration(to: .now).secondsValue
}

/// Starts a program with posix_spawn (Foundation's `Process` adds a quarter of a second of its
/// own to every run, which would be charged to OpenSSH): stdin from /dev/null, stdout and stderr
/// into `output` (stderr into `errors` when given), and `environment` (this process's when nil).
/// Returns nil if it cannot start.
func spawn(
    _ arguments: [String], environment: [String: String]? = nil, output: String = "/dev/null", errors: String? = nil
) -> pid_t? {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    if let errors {
        posix_spawn_file_actions_addopen(&actions, 2, errors, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    } else {
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
    }
    var pid: pid_t = 0
    let argv = arguments.map { strdup($0) } + [nil]
    let envp = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
        argv.forEach { free($0) }
        envp.forEach { free($0) }
    }
    return posix_spawnp(&pid, arguments[0], &actions, nil, argv, envp) == 0 ? pid : nil
}

/// Runs a program silently and waits for it with waitpid (or only starts it).
@discardableResult
func shell(_ arguments: [String], wait: Bool = true) throws -> Int32 {
    guard let pid = spawn(arguments) else { throw TestbedUnavailable("cannot start \(arguments[0])") }
    guard wait else { return pid }
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    return status
}

let json = CommandLine.arguments.contains("--json")
let testbed = try Testbed.current()
let host = testbed.host("museshow")
let target = "\(host.user)@\(host.address)"
let sshOptions = [
    "-i", testbed.keys.ed25519, "-p", String(host.port), "-o", "UserKnownHostsFile=\(testbed.knownHosts)",
    "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
]
let configuration = testbed.configuration(for: host)
let rounds = 20
var figures: [Figure] = []

/// The shaped links the deploys also run over, as sections `deploy-20mbit` and `deploy-100mbit`.
let shapedLinks = [20, 100].map { LinkShape(megabitsPerSecond: $0) }

/// Sections to run: `--only ssh,migrate,loader` (default: all), for a quicker look at one area.
let sections: Set<String> = {
    guard let index = CommandLine.arguments.firstIndex(of: "--only"), index + 1 < CommandLine.arguments.count else {
        return Set(["ssh", "migrate", "loader", "deploy"] + shapedLinks.map(\.section) + ["fleet"])
    }
    return Set(CommandLine.arguments[index + 1].split(separator: ",").map(String.init))
}()

if sections.contains("ssh") {
    // 1. A fresh connection: connect, verify the host key, authenticate, run `true`, disconnect.
    let oursConnect = try (0..<rounds).map { _ in
        try timed {
            let connection = try SSHConnection.connect(configuration)
            _ = try connection.execute("true")
            connection.close()
        }
    }
    let theirsConnect = try (0..<rounds).map { _ in try timed { try shell(["ssh"] + sshOptions + [target, "true"]) } }
    figures.append(
        Figure(
            name: "connect+auth+exec", deployctl: median(oursConnect) * 1000, openssh: median(theirsConnect) * 1000,
            unit: "ms",
            slowdown: median(oursConnect) / median(theirsConnect)))

    // 1b. The same through a jump host: prod2's sshd that admits only museshow's end of a private
    // link (BastionRoute), next to `ssh -J` with the same key and known_hosts (in a config file
    // given with -F, which ssh also hands to the jump host's connection).
    let scratch = try TemporaryDirectory("bench-jump")
    let route = try BastionRoute.open(testbed, in: scratch)
    defer { route.close() }
    var bastion = configuration
    bastion.knownHostsFile = route.knownHosts
    var behind = SSHConfiguration(
        host: route.address, port: route.port, user: host.user, authentication: configuration.authentication,
        knownHostsFile: route.knownHosts, label: "prod2 behind \(host.name)")
    behind.jumpHosts = [bastion]
    let oursJump = try (0..<rounds).map { _ in
        try timed {
            let connection = try SSHConnection.connect(behind)
            _ = try connection.execute("true")
            connection.close()
        }
    }
    let sshConfig = try scratch.write(
        """
        Host *
            IdentityFile \(testbed.keys.ed25519)
            IdentitiesOnly yes
            UserKnownHostsFile \(route.knownHosts)
            StrictHostKeyChecking yes
            BatchMode yes
        """, to: "ssh_config")
    let jumpCommand = [
        "ssh", "-F", sshConfig, "-J", route.jump, "-p", String(route.port), "\(host.user)@\(route.address)", "true",
    ]
    guard try shell(jumpCommand) == 0 else {
        throw TestbedUnavailable("`\(jumpCommand.joined(separator: " "))` failed: OpenSSH cannot take this route")
    }
    let theirsJump = try (0..<rounds).map { _ in try timed { try shell(jumpCommand) } }
    figures.append(
        Figure(
            name: "connect+exec via jump host", deployctl: median(oursJump) * 1000, openssh: median(theirsJump) * 1000,
            unit: "ms", slowdown: median(oursJump) / median(theirsJump)))

    // 2. A command on an open connection (OpenSSH: a ControlMaster session, as a script would reuse).
    let connection = try SSHConnection.connect(configuration)
    let oursExec = try (0..<200).map { _ in try timed { _ = try connection.execute("true") } }
    let control = NSTemporaryDirectory() + "deployctl-bench-\(getpid()).sock"
    let master = try shell(["ssh"] + sshOptions + ["-M", "-N", "-o", "ControlPath=\(control)", target], wait: false)
    for _ in 0..<100 where !FileManager.default.fileExists(atPath: control) { usleep(50_000) }
    let theirsExec = try (0..<200).map { _ in
        try timed { try shell(["ssh"] + sshOptions + ["-o", "ControlPath=\(control)", target, "true"]) }
    }
    try shell(["ssh"] + sshOptions + ["-o", "ControlPath=\(control)", "-O", "exit", target])
    var masterStatus: Int32 = 0
    waitpid(master, &masterStatus, 0)
    figures.append(
        Figure(
            name: "exec round trip", deployctl: median(oursExec) * 1000, openssh: median(theirsExec) * 1000, unit: "ms",
            slowdown: median(oursExec) / median(theirsExec)))

    // 3. SFTP upload of 100 MiB (OpenSSH's scp speaks SFTP since 9.0).
    let payload = NSTemporaryDirectory() + "deployctl-bench-\(getpid()).bin"
    _ = FileManager.default.createFile(
        atPath: payload, contents: FileHandle(forReadingAtPath: "/dev/urandom")!.readData(ofLength: 100 << 20))
    defer { try? FileManager.default.removeItem(atPath: payload) }
    let megabytes = 100.0
    let oursUpload = try (0..<3).map { _ in
        try timed { _ = try connection.upload(file: payload, to: "/tmp/deployctl-bench.bin") }
    }
    let theirsUpload = try (0..<3).map { _ in
        try timed {
            try shell(
                ["scp", "-q"] + sshOptions.map { $0 == "-p" ? "-P" : $0 } + [
                    payload, "\(target):/tmp/openssh-bench.bin",
                ])
        }
    }
    _ = try connection.execute("rm -f /tmp/deployctl-bench.bin /tmp/openssh-bench.bin")
    connection.close()
    let oursRate = megabytes / median(oursUpload)
    let theirsRate = megabytes / median(theirsUpload)
    figures.append(
        Figure(
            name: "sftp upload 100 MiB", deployctl: oursRate, openssh: theirsRate, unit: "MB/s",
            slowdown: theirsRate / oursRate))
}

let migrateFigures =
    sections.contains("migrate")
    ? try await MigrateBench(
        testbed: testbed, server: try ClickHouseServer.modern(on: host.name), sshOptions: sshOptions, target: target
    ).run()
    : []

let loaderOrders = Int(ProcessInfo.processInfo.environment["DEPLOYCTL_BENCH_ORDERS"] ?? "") ?? 1_000_000
/// The binaries `make static` ships, measured as they run on a server and a workstation.
let loaderBinary = Testbed.repository.appendingPathComponent(".build/static/qtickets-api").path
let loader = sections.contains("loader") ? try await LoaderBench(binary: loaderBinary, orders: loaderOrders).run() : nil

let deployctlBinary = Testbed.repository.appendingPathComponent(".build/static/deployctl").path
var deploys: [DeployBench.Result] = []
for link in [nil] + shapedLinks.map(Optional.some)
where sections.contains(link?.section ?? "deploy") {
    deploys.append(
        try await DeployBench(testbed: testbed, deployctl: deployctlBinary, sshOptions: sshOptions, link: link).run())
}

let fleet =
    sections.contains("fleet")
    ? try await FleetBench(testbed: testbed, deployctl: deployctlBinary, sshOptions: sshOptions).run() : nil

var usage = rusage()
getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
let peakMegabytes = Double(usage.ru_maxrss) / 1024

if json {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    struct Everything: Encodable {
        let figures: [Figure]
        let loader: LoaderBench.Result?
        let deploys: [DeployBench.Result]
        let fleet: FleetBench.Result?
    }
    print(
        String(
            decoding: try encoder.encode(
                Everything(figures: figures + migrateFigures, loader: loader, deploys: deploys, fleet: fleet)),
            as: UTF8.self))
} else {
    if !migrateFigures.isEmpty {
        print(
            "migrator through the SSH tunnel vs the same SQL, one curl per statement through ssh -L (target ≤ 1.3×; status: under 1 s)"
        )
        for figure in migrateFigures {
            let name = figure.name.padding(toLength: 46, withPad: " ", startingAt: 0)
            print(
                "  " + name
                    + String(format: "%9.1f ms  %9.1f ms  %5.2f×", figure.deployctl, figure.openssh, figure.slowdown))
        }
    }
    if !figures.isEmpty {
        print(
            "ssh layer vs OpenSSH on \(host.name) (\(host.address)), median of repeated runs; target: slowdown ≤ 1.5×")
        let rows =
            [["operation", "deployctl", "openssh", "slowdown"]]
            + figures.map {
                [
                    $0.name, String(format: "%.2f %@", $0.deployctl, $0.unit),
                    String(format: "%.2f %@", $0.openssh, $0.unit), String(format: "%.2f×", $0.slowdown),
                ]
            }
        let widths = (0..<4).map { column in rows.map { $0[column].count }.max()! }
        for row in rows {
            print(
                "  "
                    + row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(
                        separator: "  "))
        }
        if figures.contains(where: { $0.name == "connect+exec via jump host" }) {
            print(
                "  via jump host: \(host.name), then prod2's sshd reachable only from it (ssh -J on the same route); target ≤ 1.0×"
            )
        }
    }
    if let loader {
        print(
            "qtickets-api run: a full load from the simulator into the testbed's ClickHouse (target ≥ 20,000 orders/s, peak RSS ≤ 150 MB)"
        )
        print(
            String(
                format: "  %d orders in %.1f s: %.0f orders/s, peak RSS %.1f MB%@", loader.orders, loader.seconds,
                loader.ordersPerSecond,
                loader.peakRSSMegabytes,
                loader.complete ? "" : " (INCOMPLETE: fewer orders stored than the simulator shows)"))
        print(
            String(
                format:
                    "  loader time: waiting on the API %.1f s, parsing %.1f s, in ClickHouse %.1f s (overlapping); dataset built in %.1f s",
                loader.apiWaitSeconds, loader.parseSeconds, loader.clickhouseSeconds, loader.datasetSeconds))
    }
    for deploy in deploys {
        print(
            deploy.link == "veth"
                ? "deployctl deploy on \(DeployBench.host) vs an Ansible playbook doing the same work (\(deploy.ansible ?? "ansible"), pipelining); targets: first, new and rollback ≤ 1/5 of Ansible, no-op ≤ 0.5 s"
                : "the same over \(DeployBench.host)'s link shaped to \(deploy.link) (tbf); targets at 20 Mbit/s: first and new release ≤ 0.5× Ansible, unit-only ≤ 3 s, no-op ≤ 0.5 s"
        )
        for figure in deploy.cases {
            let name = figure.name.padding(toLength: 33, withPad: " ", startingAt: 0)
            print(
                "  " + name
                    + String(
                        format: "%6.2f s, %3d SSH requests   Ansible %6.2f s (%d tasks)   %5.2f×",
                        figure.deployctlSeconds, figure.roundTrips, figure.ansibleSeconds ?? 0,
                        figure.ansibleTasks ?? 0,
                        figure.deployctlSeconds / max(figure.ansibleSeconds ?? 1, 0.001)))
        }
        for sent in deploy.transfers {
            print(
                "  sent by " + sent.name.padding(toLength: 25, withPad: " ", startingAt: 0)
                    + String(
                        format: "%6.2f s: %d of %d files, %@, %@ %@ on the wire", sent.seconds, sent.files,
                        sent.releaseFiles, byteText(sent.bytes), byteText(sent.wireBytes), sent.compression))
        }
        print(
            String(
                format:
                    "  verify %@: %.2f s for %d checks over one SSH connection, of which the loader run %.2f s (target < 5 s)",
                DeployBench.host, deploy.verifySeconds, deploy.verifyChecks, deploy.verifyLoaderSeconds))
        if let upload = deploy.upload {
            print(
                String(
                    format: "  bundle upload, %.1f MiB: deployctl %.2f s, scp %.2f s (%.2f×; target ≤ 1.0×)",
                    upload.bundleMegabytes, upload.deployctlSeconds, upload.scpSeconds,
                    upload.deployctlSeconds / max(upload.scpSeconds, 0.001)))
        }
    }
    if let fleet {
        print(
            "one release to 1, 5 and 20 hosts (museshow and light hosts, --parallel N) vs the playbook with N forks"
                + " (\(fleet.ansible ?? "ansible")); targets: 20 hosts ≤ 2× one host, ≤ 0.2× Ansible")
        for size in fleet.sizes {
            print(
                String(
                    format:
                        "  %2d hosts: deploy %6.2f s (%3d SSH requests, peak %.0f MB, %2d sockets)   Ansible %6.2f s (%.2f×)"
                        + "   verify %6.2f s%@ (peak %.0f MB, %2d sockets)",
                    size.hosts, size.deploySeconds, size.deployRoundTrips, size.deployPeakRSSMegabytes,
                    size.deployPeakSockets, size.ansibleSeconds, size.deploySeconds / max(size.ansibleSeconds, 0.001),
                    size.verifySeconds, size.verifyPassed ? "" : " NOT PASSED", size.verifyPeakRSSMegabytes,
                    size.verifyPeakSockets))
        }
        if let one = fleet.sizes.first, let all = fleet.sizes.last {
            print(
                String(
                    format:
                        "  %d hosts take %.2f× the time of one to deploy, %.2f× to verify; a light host takes %.0f MB",
                    all.hosts, all.deploySeconds / max(one.deploySeconds, 0.001),
                    all.verifySeconds / max(one.verifySeconds, 0.001), fleet.hostMegabytes))
        }
        for size in fleet.sizes {
            print(
                String(
                    format:
                        "  CPU during the %d-host deploy: deployctl %.1f s, the hosts %.1f s, on %d cores in %.1f s (%.0f%% busy)",
                    size.hosts, size.deployCPUSeconds, size.hostsCPUSeconds,
                    ProcessInfo.processInfo.activeProcessorCount,
                    size.deploySeconds,
                    100 * (size.deployCPUSeconds + size.hostsCPUSeconds)
                        / (size.deploySeconds * Double(ProcessInfo.processInfo.activeProcessorCount))))
        }
    }
    print(
        String(
            format: "peak RSS of this process: %.1f MB (the SSH section holds its 100 MiB payload in memory once)",
            peakMegabytes))
}
