import Foundation
import HostScripts
import SSH
import Testing

/// The scripts a host reached as a non-root user runs through `sudo -n` for uploads and stats,
/// each run alone on a testbed host.
@Suite("host scripts: files placed and looked at as root", .serialized)
struct SudoScriptTests {
    @Test("place-file moves a staged file into a new folder as root's with the mode, replacing the old one")
    func placeFile() throws {
        let host = try ScriptHost()
        defer { host.close() }
        let target = host.root + "/a folder/it's.conf"
        try host.shell("printf new > \(host.root)/staged && chown nobody \(host.root)/staged")
        let run = try host.run(.placeFile, [host.root + "/staged", target, "640", "abcd1234"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(
            try host.shell("stat -c '%U %a' \(ShellQuote.quote(target)); cat \(ShellQuote.quote(target))")
                == "root 640\nnew")
        #expect(try host.shell("ls -A \(host.root) '\(host.root)/a folder' | tr '\\n' ' '").contains("staged") == false)

        let missing = try host.run(.placeFile, [host.root + "/gone", target, "600", "abcd1234"])
        #expect(missing.status != 0)
        #expect(try host.shell("cat \(ShellQuote.quote(target))") == "new", "a failed placement leaves the old file")
    }

    @Test("stat-file prints size, mode, type, owner and time of a path, and nothing for an absent one")
    func statFile() throws {
        let host = try ScriptHost()
        defer { host.close() }
        try host.shell("printf 12345 > '\(host.root)/a b' && chmod 604 '\(host.root)/a b'")
        let present = try host.run(.statFile, [host.root + "/a b"])
        #expect(present.status == 0)
        let fields = present.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ")
        #expect(fields.prefix(4) == ["5", "604", "regular", "file"], "\(present.stdout)")
        #expect(fields.count == 7)

        let absent = try host.run(.statFile, [host.root + "/nothing"])
        #expect(absent.status == 0 && absent.stdout.isEmpty)
    }
}
