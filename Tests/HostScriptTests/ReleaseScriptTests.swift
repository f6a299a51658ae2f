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

    /// A signed release folder `releases/<id>` on the host, or its tar as `.incoming-<id>.tar`
    /// (signed as `.incoming-<id>.tar.sig` unless `signTar` is false), signed with a key made on the
    /// host and trusted through `shared/allowed_signers`; `craft` runs in the folder before it is packed.
    func makeSignedRelease(
        on host: ScriptHost, id: String, asUpload: Bool, tamper: Bool = false, craft: String = "true",
        signTar: Bool = true, tarOptions: String = ""
    ) throws {
        let staging = asUpload ? "\(host.root)/build" : "\(host.root)/releases/\(id)"
        let tar = "\(host.root)/releases/.incoming-\(id).tar"
        try host.shell(
            """
            cd \(host.root)
            [ -f key ] || ssh-keygen -q -t ed25519 -N '' -C test -f key
            printf 'deployctl-release %s\\n' "$(cat key.pub)" > shared/allowed_signers
            mkdir -p '\(staging)/bin'
            cd '\(staging)'
            printf '#!/bin/sh\\n' > bin/qtickets-api && chmod 0755 bin/qtickets-api
            printf '{\\n  "id" : "\(id)"\\n}\\n' > manifest.json
            printf '%s\\n' '\(id)' > RELEASE
            sha256sum bin/qtickets-api manifest.json RELEASE > SHA256SUMS
            ssh-keygen -q -Y sign -f \(host.root)/key -n deployctl-release SHA256SUMS
            \(tamper ? "echo changed >> bin/qtickets-api" : "true")
            \(craft)
            \(asUpload ? "tar -cf '\(tar)' \(tarOptions) . && rm -rf '\(staging)'" : "true")
            \(asUpload && signTar ? "ssh-keygen -q -Y sign -f \(host.root)/key -n deployctl-release '\(tar)'" : "true")
            """)
    }

    func verify(_ id: String, on host: ScriptHost) throws -> ScriptHost.Run {
        try host.run(
            .verifyRelease,
            [
                host.root + "/releases", id, host.root + "/shared/allowed_signers", "deployctl-release",
                "deployctl-release", "bin/qtickets-api", "755",
            ])
    }

    @Test(
        "verify-release checks a signed upload's tar, unpacks it, checks every file, sets the manifest's modes and renames it into releases/<id>, root's"
    )
    func verifyReleaseUpload() throws {
        let host = try ScriptHost()
        defer { host.close() }
        try makeSignedRelease(on: host, id: "0123456789abcdef", asUpload: true, craft: "chmod 0700 bin/qtickets-api")
        let run = try verify("0123456789abcdef", on: host)
        #expect(run.status == 0, "\(run.stdout) \(run.stderr)")
        #expect(run.answer["verified"] == "yes")
        #expect(
            try host.shell(
                "cd \(host.root)/releases && ls -A && stat -c '%U %a' 0123456789abcdef 0123456789abcdef/bin/qtickets-api 0123456789abcdef/RELEASE"
            ) == "0123456789abcdef\nroot 755\nroot 755\nroot 644\n", "the tar and the scratch folder are gone")

        let again = try verify("0123456789abcdef", on: host)
        #expect(again.answer["verified"] == "yes", "a release already on the host is checked as it stands")
    }

    @Test("verify-release refuses (65) a file that differs from SHA256SUMS and deletes the upload")
    func verifyReleaseTampered() throws {
        let host = try ScriptHost()
        defer { host.close() }
        try makeSignedRelease(on: host, id: "fedcba9876543210", asUpload: true, tamper: true)
        let run = try verify("fedcba9876543210", on: host)
        #expect(run.status == 65)
        #expect(run.answer["refused"]?.hasPrefix("files differ from the signed SHA256SUMS") == true, "\(run.stdout)")
        #expect(try host.shell("ls -A \(host.root)/releases") == "", "nothing of the refused upload is left")
    }

    @Test(
        "an upload whose tar is unsigned, or signed by a key the host does not trust, is refused before anything is unpacked"
    )
    func unsignedTarIsRefusedBeforeUnpacking() throws {
        let host = try ScriptHost()
        defer { host.close() }
        let setuid = "cp /bin/sh bin/sh && chmod 4755 bin/sh"
        try makeSignedRelease(on: host, id: "00000000000000bb", asUpload: true, craft: setuid, signTar: false)
        let unsigned = try verify("00000000000000bb", on: host)
        #expect(
            unsigned.status == 65 && unsigned.answer["refused"] == "the upload has no signature", "\(unsigned.stdout)")
        #expect(try host.shell("ls -A \(host.root)/releases") == "", "nothing was unpacked, the upload is gone")

        try makeSignedRelease(on: host, id: "00000000000000bb", asUpload: true, craft: setuid)
        try host.shell(
            "cd \(host.root)/releases && rm .incoming-00000000000000bb.tar.sig && ssh-keygen -q -t ed25519 -N '' -f ../other && ssh-keygen -q -Y sign -f ../other -n deployctl-release .incoming-00000000000000bb.tar"
        )
        let untrusted = try verify("00000000000000bb", on: host)
        #expect(
            untrusted.status == 65
                && untrusted.answer["refused"]?.contains("not signed by a trusted release key") == true,
            "\(untrusted.stdout)")
        #expect(try host.shell("ls -A \(host.root)/releases") == "")
    }

    @Test(
        "a signed tar holding a device node, a setuid file, a symlink, a hard link, an absolute path or an extra file is refused and nothing of it stays",
        arguments: [
            ("mknod null c 1 3", "", "other than a plain file or directory"),
            ("chmod 4755 bin/qtickets-api", "", "other than a plain file or directory"),
            ("ln -s /etc/shadow shadow", "", "other than a plain file or directory"),
            ("ln bin/qtickets-api hard", "", "other than a plain file or directory"),
            ("echo x > /run/deployctl-abs-probe", "-P /run/deployctl-abs-probe", "outside its folder"),
            ("echo x > extra", "", "not exactly the manifest's (extra: ./extra"),
        ])
    func craftedTarIsRefused(craft: String, tarOptions: String, refusal: String) throws {
        let host = try ScriptHost()
        defer { host.close() }
        defer { _ = try? host.shell("rm -f /run/deployctl-abs-probe") }
        try makeSignedRelease(on: host, id: "00000000000000cc", asUpload: true, craft: craft, tarOptions: tarOptions)
        let run = try verify("00000000000000cc", on: host)
        #expect(run.status == 65 && run.answer["refused"]?.contains(refusal) == true, "\(run.stdout)\(run.stderr)")
        #expect(try host.shell("ls -A \(host.root)/releases") == "", "nothing of the refused upload is left")
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

    @Test("prune-releases keeps the newest KEEP, the current and the previous release")
    func pruneReleases() throws {
        let host = try ScriptHost()
        defer { host.close() }
        try host.shell(
            """
            cd \(host.root)/releases
            for r in r1 r2 r3 r4 r5; do mkdir "$r"; touch -d "2026-01-0${r#r} 00:00" "$r"; done
            mkdir .incoming-x
            ln -s releases/r1 ../current
            echo r2 > ../shared/previous
            """)
        let run = try host.run(.pruneReleases, [host.root, "2"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try host.shell("ls -A \(host.root)/releases | sort | tr '\\n' ' '") == ".incoming-x r1 r2 r4 r5 ")
    }
}
