import Foundation

/// A testbed host as a deploy target, for the deploy tests and the deploy bench: the testbed's
/// museshow environment file pointed at the host, a release store and the testbed's release key,
/// and the script that removes whatever a deploy put on the host.
public struct DeployTarget: Sendable {
    public let host: Testbed.Host
    /// The folder of environment files (one, named after the host).
    public let environments: String
    /// The variables `deployctl` needs: the release store and the signing key.
    public let variables: [String: String]

    /// Writes `<host>.toml` into `directory/environments` (`edit` may change its text) and keeps
    /// releases in `directory/releases`.
    public init(_ name: String, testbed: Testbed, in directory: TemporaryDirectory, edit: (String) -> String = { $0 })
        throws
    {
        guard let source = testbed.environments else {
            throw TestbedUnavailable("the testbed writes no environment files")
        }
        host = testbed.host(name)
        let museshow = try String(contentsOfFile: source + "/museshow.toml", encoding: .utf8)
        try directory.write(
            edit(
                museshow.replacingOccurrences(of: "name = \"museshow\"", with: "name = \"\(name)\"")
                    .replacingOccurrences(
                        of: "address = \"\(testbed.host("museshow").address)\"", with: "address = \"\(host.address)\"")),
            to: "environments/\(name).toml")
        environments = directory.file("environments")
        variables = [
            "DEPLOYCTL_RELEASES": directory.file("releases"),
            "DEPLOYCTL_SIGNING_KEY": Testbed.directory + "/keys/release_ed25519",
            "DEPLOYCTL_STATE_DIR": directory.file("state"),
        ]
    }

    /// Stops deployctl's watchdog and removes the pipeline's units, its drop-ins, the timer's stamp (a
    /// persistent timer whose last run was before its latest elapse fires at once when enabled again),
    /// the app root and the app user.
    public static let removal = """
        systemctl stop deployctl-watchdog.timer deployctl-watchdog.service 2>/dev/null
        systemctl disable --now qtickets_api.timer qtickets_healthcheck.service 2>/dev/null; systemctl stop qtickets_api.service 2>/dev/null
        rm -f /var/lib/systemd/timers/stamp-qtickets_api.timer
        rm -rf /etc/systemd/system/qtickets_api.service /etc/systemd/system/qtickets_api.timer /etc/systemd/system/qtickets_healthcheck.service \\
          /etc/systemd/system/qtickets_api.service.d /etc/systemd/system/qtickets_api.timer.d /etc/systemd/system/qtickets_healthcheck.service.d \\
          /opt/zakaz_dashboard
        systemctl daemon-reload; systemctl reset-failed 2>/dev/null; userdel etl 2>/dev/null; true
        """
}
