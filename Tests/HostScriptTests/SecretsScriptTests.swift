import Foundation
import HostScripts
import SSH
import Testing

/// The scripts `secrets check` and `secrets push` run on the env file, each run alone on a testbed
/// host in a scratch root.
@Suite("host scripts: secrets", .serialized)
struct SecretsScriptTests {
    @Test("env-file-check reports the owner, mode, variable names and the loader's verdict on the file")
    func envFileCheck() throws {
        let host = try ScriptHost()
        defer { host.close() }
        let file = host.root + "/env dir/app's env"
        let loader = host.root + "/bin $x/qtickets-api"
        try host.shell(
            """
            mkdir -p \(ShellQuote.quote(host.root + "/env dir")) \(ShellQuote.quote(host.root + "/bin $x"))
            printf 'export API_TOKEN=s3cr$t\\nCLICKHOUSE_URL=http://x\\n# COMMENTED=no\\n  export   SPACED=1\\n' > \(ShellQuote.quote(file))
            chgrp daemon \(ShellQuote.quote(file)) && chmod 0640 \(ShellQuote.quote(file))
            printf '#!/bin/sh\\necho "ok: $1 $2 $3 as $(id -un)"\\necho "problem: X is missing" >&2\\nexit 3\\n' > \(ShellQuote.quote(loader))
            chmod 0755 \(ShellQuote.quote(loader))
            """)
        let run = try host.run(.envFileCheck, [file, loader])
        #expect(run.status == 0, "the loader's own exit status is its verdict, not the script's: \(run.stderr)")
        #expect(run.answer["ownership"] == "root daemon 640")
        #expect(run.answer["group_members"] != nil)
        #expect(run.answer.all("variable") == ["API_TOKEN", "CLICKHOUSE_URL", "SPACED"])
        #expect(
            run.answer.all("check") == ["ok: check-config --env-file \(file) as daemon", "problem: X is missing"],
            "the file's path reaches the loader as one argument, run as the app user: \(run.stdout)")
        #expect(!run.stdout.contains("s3cr"), "values are never printed")

        try host.shell("chgrp root \(ShellQuote.quote(file))")
        let rootGroup = try host.run(.envFileCheck, [file, loader])
        #expect(
            rootGroup.answer.all("check").count == 1
                && rootGroup.answer.all("check").first?.contains("belongs to group root") == true,
            "the loader is never run as root: \(rootGroup.stdout)")

        let noLoader = try host.run(.envFileCheck, [file, host.root + "/none"])
        #expect(noLoader.answer["nobinary"] == "yes")
        #expect(noLoader.answer.all("check").isEmpty)

        let missing = try host.run(.envFileCheck, [host.root + "/absent", loader])
        #expect(missing.status == 0)
        #expect(missing.stdout == "missing=yes\n")
    }

    @Test("env-file-install moves the upload into place as root:<user> 0640, or leaves the old file")
    func envFileInstall() throws {
        let host = try ScriptHost()
        defer { host.close() }
        let incoming = host.root + "/etc/.incoming-env-1"
        let file = host.root + "/etc/app 'env'"
        try host.shell(
            """
            mkdir \(host.root)/etc
            printf 'OLD=1\\n' > \(ShellQuote.quote(file))
            printf 'NEW=$2\\n' > \(incoming) && chmod 0600 \(incoming)
            """)
        let refused = try host.run(.envFileInstall, [incoming, file, "no such group"])
        #expect(refused.status != 0)
        #expect(
            try host.shell("cat \(ShellQuote.quote(file)); ls -A \(host.root)/etc")
                == "OLD=1\n.incoming-env-1\napp 'env'\n")

        let run = try host.run(.envFileInstall, [incoming, file, "daemon"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try host.shell("stat -c '%U %G %a' \(ShellQuote.quote(file))") == "root daemon 640\n")
        #expect(try host.shell("cat \(ShellQuote.quote(file)); ls -A \(host.root)/etc") == "NEW=$2\napp 'env'\n")
    }
}
