import Foundation
import SSH
import Testbed

/// The comparison for the deploy benches: an Ansible playbook doing a deploy's work on the same
/// hosts (the account and folders, the release unpacked and its hashes and signature checked, the
/// units and the drop-in, the switch, restarts, one loader run on the first host, as deployctl's
/// `loader_hosts` default, and the healthcheck on each), with ansible-core from PyPI in a virtualenv
/// of the bench's own, pipelining on and one fork per host. The env file is in place beforehand, as
/// `secrets push` leaves it for deployctl.
struct AnsibleDeploy {
    let work: TemporaryDirectory
    let targets: [Testbed.Host]
    let playbook: String
    let inventory: String
    let ansible: String
    let releases: String
    let version: String

    init(
        work: TemporaryDirectory, targets: [Testbed.Host], sshOptions: [String], releases: String, envFile: String
    ) throws {
        self.work = work
        self.targets = targets
        self.releases = releases
        let venv = Testbed.repository.appendingPathComponent(".build/ansible-venv").path
        if !FileManager.default.isExecutableFile(atPath: venv + "/bin/ansible-playbook") {
            _ = try shell(["/usr/bin/python3", "-m", "venv", venv])
            let status = try shell([venv + "/bin/pip", "install", "--quiet", "ansible-core"])
            guard status == 0 else { throw TestbedUnavailable("pip install ansible-core failed (exit \(status))") }
        }
        ansible = venv + "/bin/ansible-playbook"
        let versionFile = work.file("ansible-version")
        _ = spawn([venv + "/bin/ansible", "--version"], output: versionFile).map { pid in
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        version =
            (try? String(contentsOfFile: versionFile, encoding: .utf8))?.split(separator: "\n")
            .first { $0.hasPrefix("ansible ") }.map(String.init) ?? "ansible"
        let key = sshOptions[sshOptions.index(after: sshOptions.firstIndex(of: "-i")!)]
        let hosts = targets.map { target in
            "\(target.address) ansible_user=\(target.user) ansible_ssh_private_key_file=\(key) "
                + "ansible_python_interpreter=/usr/bin/python3 ansible_ssh_common_args='-o UserKnownHostsFile="
                + "\(testbed_knownHosts()) -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes'\n"
        }
        inventory = try work.write("[hosts]\n" + hosts.joined(), to: "ansible/inventory")
        let signers =
            "deployctl-release namespaces=\"deployctl-release\" "
            + (try String(contentsOfFile: Testbed.directory + "/keys/release_ed25519.pub", encoding: .utf8))
            .trimmingCharacters(in: .whitespacesAndNewlines)
        playbook = try work.write(
            """
            - hosts: hosts
              gather_facts: false
              vars:
                root: /opt/zakaz_dashboard
              tasks:
                - name: app user
                  user: { name: etl, system: true, shell: /usr/sbin/nologin, create_home: false }
                - name: folders
                  file: { path: "{{ item.path }}", state: directory, mode: "{{ item.mode }}", owner: root, group: "{{ item.group }}" }
                  loop:
                    - { path: "{{ root }}", mode: "0755", group: root }
                    - { path: "{{ root }}/releases", mode: "0755", group: root }
                    - { path: "{{ root }}/shared", mode: "0755", group: root }
                    - { path: "{{ root }}/secrets", mode: "0750", group: etl }
                - name: env file
                  copy: { src: "\(envFile)", dest: "{{ root }}/secrets/.env.qtickets_api", owner: root, group: etl, mode: "0640" }
                - name: trusted release keys
                  copy: { content: "\(signers.replacingOccurrences(of: "\"", with: "\\\""))\\n", dest: "{{ root }}/shared/allowed_signers", mode: "0644" }
                - name: release folder
                  file: { path: "{{ root }}/releases/{{ release }}", state: directory, mode: "0755" }
                - name: release files
                  unarchive: { src: "\(releases)/{{ release }}.tar", dest: "{{ root }}/releases/{{ release }}", creates: "{{ root }}/releases/{{ release }}/RELEASE" }
                - name: signature
                  shell: ssh-keygen -Y verify -f {{ root }}/shared/allowed_signers -I deployctl-release -n deployctl-release -s SHA256SUMS.sig < SHA256SUMS
                  args: { chdir: "{{ root }}/releases/{{ release }}" }
                  changed_when: false
                - name: hashes
                  command: sha256sum --quiet -c SHA256SUMS
                  args: { chdir: "{{ root }}/releases/{{ release }}" }
                  changed_when: false
                - name: units
                  copy: { src: "\(releases)/{{ release }}/systemd/{{ item }}", dest: "/etc/systemd/system/{{ item }}", mode: "0644" }
                  loop: [qtickets_api.service, qtickets_api.timer, qtickets_healthcheck.service]
                  register: units
                - name: drop-in folders
                  file: { path: "/etc/systemd/system/{{ item }}.d", state: directory }
                  loop: [qtickets_api.service, qtickets_healthcheck.service]
                - name: drop-ins
                  copy:
                    dest: "/etc/systemd/system/{{ item.unit }}.d/50-deployctl-environment.conf"
                    content: "[Service]\\nUser=etl\\nGroup=etl\\nEnvironmentFile=\\nEnvironmentFile={{ root }}/secrets/.env.qtickets_api\\nExecStart=\\nExecStart={{ root }}/current/bin/qtickets-api {{ item.args }}\\n"
                  loop:
                    - { unit: qtickets_api.service, args: run }
                    - { unit: qtickets_healthcheck.service, args: "healthcheck --serve 127.0.0.1:18080" }
                  register: dropins
                - name: current
                  file: { src: "releases/{{ release }}", dest: "{{ root }}/current", state: link, force: true }
                  register: current
                - name: daemon-reload
                  systemd: { daemon_reload: true }
                  when: units.changed or dropins.changed
                - name: healthcheck service
                  systemd: { name: qtickets_healthcheck.service, enabled: true, state: restarted }
                  when: current.changed or units.changed or dropins.changed
                - name: timer
                  systemd: { name: qtickets_api.timer, enabled: true, state: started }
                  when: inventory_hostname == "\(targets[0].address)"
                - name: one loader run
                  systemd: { name: qtickets_api.service, state: started }
                  when: current.changed and inventory_hostname == "\(targets[0].address)"
                - name: healthcheck
                  shell: set -a; . {{ root }}/secrets/.env.qtickets_api; {{ root }}/current/bin/qtickets-api healthcheck
                  changed_when: false

            """, to: "ansible/deploy.yml")
    }

    /// Runs the playbook for `release` (packed next to its folder first); returns its wall time and task count.
    func deploy(_ release: String) throws -> (seconds: Double, tasks: Int) {
        let tar = "\(releases)/\(release).tar"
        if !FileManager.default.fileExists(atPath: tar) {
            _ = try shell(["tar", "-C", "\(releases)/\(release)", "-cf", tar, "."])
        }
        let log = work.file("ansible-\(release).log")
        var environment = ProcessInfo.processInfo.environment
        environment["ANSIBLE_PIPELINING"] = "True"
        environment["ANSIBLE_HOST_KEY_CHECKING"] = "True"
        environment["ANSIBLE_NOCOLOR"] = "1"
        let started = ContinuousClock.now
        guard
            let pid = spawn(
                [ansible, "-i", inventory, "-f", String(targets.count), playbook, "-e", "release=\(release)"],
                environment: environment, output: log)
        else {
            throw TestbedUnavailable("cannot start ansible-playbook")
        }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        let seconds = started.duration(to: .now).secondsValue
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        guard status == 0 else { throw TestbedUnavailable("ansible-playbook failed; its log:\n\(text.suffix(3000))") }
        return (seconds, text.components(separatedBy: "TASK [").count - 1)
    }
}

private func testbed_knownHosts() -> String { Testbed.directory + "/known_hosts" }
