import Foundation
import HostScripts
import SSH
import Testing

/// The scripts a deploy runs to bring a release onto a host and switch to it, each run alone on a
/// testbed host in a scratch root.
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

    @Test("free-space makes the releases folder and reports the KiB free on its file system")
    func freeSpace() throws {
        let host = try ScriptHost()
        defer { host.close() }
        let folder = host.root + "/new releases"
        let run = try host.run(.freeSpace, [folder])
        #expect(run.status == 0, "\(run.stderr)")
        let free = try #require(run.answer["free"].flatMap(UInt64.init))
        #expect(free > 0)
        #expect(try host.shell("test -d '\(folder)' && echo made") == "made\n")
    }

    /// A signed release of one binary on the host: with `asUpload` false its folder `releases/<id>`;
    /// with `asUpload` its upload `releases/.incoming-<id>.tar` as a deploy sends it (gzip, holding
    /// SHA256SUMS, SHA256SUMS.sig and every file as an object named by its SHA-256), signed with a
    /// key made on the host and trusted through `shared/allowed_signers`. `craft` runs in the
    /// payload folder before it is packed (`$bin` is the binary's object); `binary` is its content.
    func makeSignedRelease(
        on host: ScriptHost, id: String, asUpload: Bool, craft: String = "true", tarOptions: String = "-z",
        binary: String = "#!/bin/sh"
    ) throws {
        try host.shell(
            """
            cd \(host.root)
            [ -f key ] || ssh-keygen -q -t ed25519 -N '' -C test -f key
            printf 'deployctl-release %s\\n' "$(cat key.pub)" > shared/allowed_signers
            rm -rf build payload && mkdir -p build/bin payload
            cd build
            printf '%s\\n' '\(binary)' > bin/qtickets-api && chmod 0755 bin/qtickets-api
            printf '{\\n  "id" : "\(id)"\\n}\\n' > manifest.json
            sha256sum bin/qtickets-api manifest.json > SHA256SUMS
            ssh-keygen -q -Y sign -f \(host.root)/key -n deployctl-release SHA256SUMS
            if \(asUpload ? "true" : "false"); then
              cp SHA256SUMS SHA256SUMS.sig ../payload/
              for f in bin/qtickets-api manifest.json; do cp "$f" "../payload/$(sha256sum <"$f" | cut -c1-64)"; done
              bin=$(sha256sum <bin/qtickets-api | cut -c1-64)
              cd ../payload
              \(craft)
              tar -cf '\(host.root)/releases/.incoming-\(id).tar' \(tarOptions) -- *
            else
              printf '%s\\n' '\(id)' > RELEASE
              cd .. && mv build 'releases/\(id)'
            fi
            cd \(host.root) && rm -rf build payload
            """)
    }

    func verify(_ id: String, on host: ScriptHost) throws -> ScriptHost.Run {
        try host.run(
            .verifyRelease,
            [
                host.root + "/releases", host.root + "/shared/objects", id, host.root + "/shared/allowed_signers",
                "deployctl-release", "deployctl-release", "bin/qtickets-api", "755",
            ])
    }

    /// The object store's files, `ab/cdef…` each, sorted.
    func objects(on host: ScriptHost) throws -> [String] {
        try host.shell("cd \(host.root)/shared && { [ ! -d objects ] || (cd objects && find . -type f | sort); }")
            .split(separator: "\n").map { String($0.dropFirst(2)) }
    }

    @Test(
        "verify-release takes a signed upload's objects into the store, links the release from them with the manifest's modes and renames it into releases/<id>, root's"
    )
    func verifyReleaseUpload() throws {
        let host = try ScriptHost()
        defer { host.close() }
        try makeSignedRelease(on: host, id: "0123456789abcdef", asUpload: true, craft: "chmod 0700 \"$bin\"")
        let run = try verify("0123456789abcdef", on: host)
        #expect(run.status == 0, "\(run.stdout) \(run.stderr)")
        #expect(run.answer["verified"] == "yes" && run.answer["received"] == "2", "\(run.stdout)")
        #expect(
            try host.shell(
                "cd \(host.root)/releases && ls -A && stat -c '%U %a' 0123456789abcdef && stat -c '%U %a %h' 0123456789abcdef/bin/qtickets-api 0123456789abcdef/RELEASE"
            ) == "0123456789abcdef\nroot 755\nroot 755 2\nroot 644 1\n",
            "the upload and the scratch folders are gone; the binary is linked to its object")
        let binary = try host.shell("sha256sum < \(host.root)/releases/0123456789abcdef/bin/qtickets-api | cut -c1-64")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try objects(on: host).contains(String(binary.prefix(2)) + "/" + binary.dropFirst(2)))
        #expect(try objects(on: host).count == 2, "the binary and the manifest")

        let again = try verify("0123456789abcdef", on: host)
        #expect(again.answer["verified"] == "yes", "a release already on the host is checked as it stands")
    }

    @Test("release-objects names the hashes the store lacks and the objects whose content is not their name")
    func releaseObjects() throws {
        let host = try ScriptHost()
        defer { host.close() }
        try makeSignedRelease(on: host, id: "0123456789abcdef", asUpload: true)
        #expect(try verify("0123456789abcdef", on: host).answer["verified"] == "yes")
        let stored = try objects(on: host).map { $0.replacingOccurrences(of: "/", with: "") }
        let absent = String(repeating: "e", count: 64)
        let good = try host.run(.releaseObjects, [host.root + "/shared/objects"] + stored + [absent])
        #expect(good.status == 0 && good.answer.all("missing") == [absent] && good.answer.all("corrupt").isEmpty)
        #expect(["yes", "no"].contains(good.answer["zstd"] ?? ""), "\(good.stdout)")
        try host.shell("echo damaged >> \(host.root)/releases/0123456789abcdef/bin/qtickets-api")
        let damaged = try host.run(.releaseObjects, [host.root + "/shared/objects"] + stored)
        let binary = try host.shell(
            "cat \(host.root)/releases/0123456789abcdef/SHA256SUMS"
        )
        .split(separator: "\n").first { $0.hasSuffix("bin/qtickets-api") }.map { String($0.prefix(64)) }
        #expect(damaged.answer.all("corrupt") == [binary ?? "?"], "\(damaged.stdout)")
        #expect(try host.run(.releaseObjects, [host.root + "/shared/objects", "../x"]).status == 64)
    }

    @Test(
        "a corrupt object is refused in the release it is linked into, and an upload that brings it again replaces it"
    )
    func corruptObjectIsReplaced() throws {
        let host = try ScriptHost()
        defer { host.close() }
        try makeSignedRelease(on: host, id: "00000000000000a1", asUpload: true)
        #expect(try verify("00000000000000a1", on: host).answer["verified"] == "yes")
        try host.shell("echo damaged >> \(host.root)/releases/00000000000000a1/bin/qtickets-api")
        // A second release with the same binary, whose upload leaves the binary out (the host held it).
        try makeSignedRelease(on: host, id: "00000000000000a2", asUpload: true, craft: "rm \"$bin\"")
        let refused = try verify("00000000000000a2", on: host)
        #expect(
            refused.status == 65
                && refused.answer["refused"]?.hasPrefix("files differ from the signed SHA256SUMS") == true,
            "\(refused.stdout)")
        try makeSignedRelease(on: host, id: "00000000000000a2", asUpload: true)
        let replaced = try verify("00000000000000a2", on: host)
        #expect(replaced.answer["verified"] == "yes" && replaced.answer["received"] == "2", "\(replaced.stdout)")
        #expect(
            try host.shell(
                "cd \(host.root)/releases && for r in 00000000000000a1 00000000000000a2; do (cd $r && sha256sum --quiet -c SHA256SUMS && stat -c %a bin/qtickets-api); done"
            ) == "755\n755\n", "the release that linked the corrupt object links the new one")
    }

    @Test("verify-release refuses (65) an object that does not hash to its name and leaves nothing of the upload")
    func verifyReleaseTampered() throws {
        let host = try ScriptHost()
        defer { host.close() }
        try makeSignedRelease(on: host, id: "fedcba9876543210", asUpload: true, craft: "echo changed >> \"$bin\"")
        let run = try verify("fedcba9876543210", on: host)
        #expect(run.status == 65)
        #expect(run.answer["refused"]?.contains("does not hash to its name") == true, "\(run.stdout)")
        #expect(try host.shell("ls -A \(host.root)/releases") == "", "nothing of the refused upload is left")
        #expect(try objects(on: host).isEmpty, "no object entered the store")
    }

    @Test(
        "an upload whose SHA256SUMS is unsigned, or signed by a key the host does not trust, is refused before any object enters the store"
    )
    func unsignedUploadIsRefusedBeforeAnyObjectIsKept() throws {
        let host = try ScriptHost()
        defer { host.close() }
        try makeSignedRelease(on: host, id: "00000000000000bb", asUpload: true, craft: "rm SHA256SUMS.sig")
        let unsigned = try verify("00000000000000bb", on: host)
        #expect(
            unsigned.status == 65 && unsigned.answer["refused"] == "the upload has no signed SHA256SUMS",
            "\(unsigned.stdout)")
        #expect(try host.shell("ls -A \(host.root)/releases") == "", "the upload and its scratch folder are gone")

        try makeSignedRelease(
            on: host, id: "00000000000000bb", asUpload: true,
            craft:
                "rm SHA256SUMS.sig && ssh-keygen -q -t ed25519 -N '' -f ../other && ssh-keygen -q -Y sign -f ../other -n deployctl-release SHA256SUMS"
        )
        let untrusted = try verify("00000000000000bb", on: host)
        #expect(
            untrusted.status == 65
                && untrusted.answer["refused"]?.contains("not from a trusted release key") == true,
            "\(untrusted.stdout)")
        #expect(try host.shell("ls -A \(host.root)/releases") == "")
        #expect(try objects(on: host).isEmpty)
    }

    @Test(
        "an upload holding a device node, a setuid file, a symlink, a hard link, a folder, an absolute path, another name or an object not in SHA256SUMS is refused and nothing of it stays",
        arguments: [
            ("mknod null c 1 3", "", "other than a plain file"),
            ("chmod 4755 \"$bin\"", "", "other than a plain file"),
            ("ln -s /etc/shadow shadow", "", "other than a plain file"),
            ("ln \"$bin\" hard", "", "other than a plain file"),
            ("mkdir sub && echo x > sub/x", "", "other than a plain file"),
            ("echo x > /run/deployctl-abs-probe", "-P /run/deployctl-abs-probe", "a name other than"),
            ("echo x > extra", "", "a name other than"),
            ("echo x > \"$(echo x | sha256sum | cut -c1-64)\"", "", "is not in the signed SHA256SUMS"),
        ])
    func craftedUploadIsRefused(craft: String, tarOptions: String, refusal: String) throws {
        let host = try ScriptHost()
        defer { host.close() }
        defer { _ = try? host.shell("rm -f /run/deployctl-abs-probe") }
        try makeSignedRelease(on: host, id: "00000000000000cc", asUpload: true, craft: craft, tarOptions: tarOptions)
        let run = try verify("00000000000000cc", on: host)
        #expect(run.status == 65 && run.answer["refused"]?.contains(refusal) == true, "\(run.stdout)\(run.stderr)")
        #expect(try host.shell("ls -A \(host.root)/releases") == "", "nothing of the refused upload is left")
        #expect(try objects(on: host).isEmpty)
    }

    @Test("verify-release refuses (65) a signature by a key the host does not trust")
    func verifyReleaseUntrusted() throws {
        let host = try ScriptHost()
        defer { host.close() }
        try makeSignedRelease(on: host, id: "00000000000000aa", asUpload: false)
        try host.shell(
            "cd \(host.root) && ssh-keygen -q -t ed25519 -N '' -f other && printf 'deployctl-release %s\\n' \"$(cat other.pub)\" > shared/allowed_signers"
        )
        let run = try verify("00000000000000aa", on: host)
        #expect(run.status == 65)
        #expect(run.answer["refused"]?.contains("not from a trusted release key") == true, "\(run.stdout)")
        #expect(try host.shell("ls -A \(host.root)/releases") == "00000000000000aa\n", "a release already there stays")
    }

    @Test("verify-units is silent for good units, names the problem of a bad one, and removes the stage")
    func verifyUnits() throws {
        let host = try ScriptHost()
        defer { host.close() }
        let id = "1111111111111111"
        // As in a deploy, the stage lies outside the root (which the namespace covers with a tmpfs).
        let stage = host.root.replacingOccurrences(of: "deployctl-script.", with: "deployctl-units.")
        defer { _ = try? host.shell("rm -rf '\(stage)'") }
        try host.shell(
            """
            mkdir -p \(host.root)/releases/\(id)/bin '\(stage)'
            printf '#!/bin/sh\\nexit 0\\n' > \(host.root)/releases/\(id)/bin/job && chmod 0755 \(host.root)/releases/\(id)/bin/job
            printf '[Unit]\\nDescription=t\\n[Service]\\nType=oneshot\\nExecStart=\(host.root)/current/bin/job\\n' > '\(stage)/t.service'
            printf '[Timer]\\nOnCalendar=hourly\\nUnit=t.service\\n' > '\(stage)/t.timer'
            """)
        let good = try host.run(.verifyUnits, [host.root, id, stage])
        #expect(good.status == 0 && good.stdout.isEmpty, "\(good.stdout) \(good.stderr)")
        #expect(try host.shell("test -e '\(stage)' && echo left || echo removed") == "removed\n")
        #expect(try host.shell("test -e \(host.root)/current && echo linked || echo untouched") == "untouched\n")

        try host.shell(
            """
            mkdir '\(stage)'
            printf '[Service]\\nType=oneshot\\nExecStart=\(host.root)/current/bin/missing\\n' > '\(stage)/t.service'
            printf '[Timer]\\nOnCalendar=hourly\\nUnit=t.service\\n' > '\(stage)/t.timer'
            """)
        let bad = try host.run(.verifyUnits, [host.root, id, stage])
        #expect(bad.status != 0 || !bad.stdout.isEmpty)
        #expect(bad.stdout.contains("bin/missing"), "\(bad.stdout)")
        #expect(!bad.stdout.contains("Failed to prepare filename"), "\(bad.stdout)")
    }

    @Test(
        "prune-releases keeps the newest KEEP, the current and the previous release, and every object a folder left lists"
    )
    func pruneReleases() throws {
        let host = try ScriptHost()
        defer { host.close() }
        let hash = { (n: Int) in String(repeating: String(n), count: 64) }
        try host.shell(
            """
            cd \(host.root)/releases
            mkdir r1 r2 r3 r4 r5 .incoming-x
            for n in 1 2 3 4 5 6; do
              h=$(printf "%064d" 0 | tr 0 "$n")
              mkdir -p ../shared/objects/"${h%${h#??}}" && echo "$n" > ../shared/objects/"${h%${h#??}}/${h#??}"
            done
            echo '\(hash(1))  bin/qtickets-api' > r1/SHA256SUMS
            echo '\(hash(2))  bin/qtickets-api' > r2/SHA256SUMS
            echo '\(hash(3))  bin/qtickets-api' > r3/SHA256SUMS
            printf '%s  bin/qtickets-api\\n%s  manifest.json\\n' '\(hash(3))' '\(hash(4))' > r4/SHA256SUMS
            echo '\(hash(5))  manifest.json' > .incoming-x/SHA256SUMS
            for r in r1 r2 r3 r4 r5; do touch -d "2026-01-0${r#r} 00:00" "$r"; done
            ln -s releases/r1 ../current
            echo r2 > ../shared/previous
            """)
        let run = try host.run(.pruneReleases, [host.root, "2"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try host.shell("ls -A \(host.root)/releases | sort | tr '\\n' ' '") == ".incoming-x r1 r2 r4 r5 ")
        #expect(
            try objects(on: host) == [1, 2, 3, 4, 5].map { String(hash($0).prefix(2)) + "/" + hash($0).dropFirst(2) },
            "r3's binary stays for r4; the object no folder lists (6) is gone")
    }
}
