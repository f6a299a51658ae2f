import Foundation
import Testbed

/// A link as slow as a client's: a token bucket (tbf) on the workstation's end of a testbed host's
/// veth, so that what deployctl or Ansible sends to the host goes at `megabitsPerSecond` (netem is
/// not in this kernel). Only the testbed's own interface is touched; `remove` (and the testbed
/// going down, which deletes the veth) restores it.
struct LinkShape {
    let megabitsPerSecond: Int

    var name: String { "\(megabitsPerSecond) Mbit/s" }
    /// The bench section that runs the deploys over this link (`--only deploy-20mbit`).
    var section: String { "deploy-\(megabitsPerSecond)mbit" }

    func apply(to host: String) throws {
        let status = try shell([
            "tc", "qdisc", "replace", "dev", "ve-" + host, "root", "tbf", "rate", "\(megabitsPerSecond)mbit", "burst",
            "32kbit", "latency", "400ms",
        ])
        guard status == 0 else {
            throw TestbedUnavailable("cannot shape ve-\(host) to \(name): tc (iproute2) exited with \(status)")
        }
    }

    func remove(from host: String) {
        _ = try? shell(["tc", "qdisc", "del", "dev", "ve-" + host, "root"])
    }
}
