import Foundation
import HostScripts
import Testing

/// The scripts that change which release a host runs, each run alone on a testbed host.
@Suite("host scripts: releases", .serialized)
struct ReleaseScriptTests {
    @Test("switch-release points current at the release and records the one it left as previous")
    func switchRelease() throws {
        let host = try ScriptHost()
        defer { host.close() }
        try host.shell("mkdir \(host.root)/releases/aaaa \(host.root)/releases/'b b'")
        let first = try host.run(.switchRelease, [host.root, "aaaa"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try host.shell("readlink \(host.root)/current") == "releases/aaaa\n")
        #expect(try host.shell("cat \(host.root)/shared/previous 2>/dev/null || echo none") == "none\n")

        let second = try host.run(.switchRelease, [host.root, "b b"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(
            try host.shell("readlink \(host.root)/current") == "releases/b b\n",
            "a value with a space stays one argument")
        #expect(try host.shell("cat \(host.root)/shared/previous") == "aaaa\n")

        let again = try host.run(.switchRelease, [host.root, "b b"])
        #expect(again.status == 0)
        #expect(
            try host.shell("cat \(host.root)/shared/previous") == "aaaa\n",
            "switching to the release it runs keeps previous")
    }
}
