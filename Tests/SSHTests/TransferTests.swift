import Crypto
import Foundation
import SSH
import Testbed
import Testing

@Suite("file transfer over SFTP")
struct TransferTests {
    let testbed: Testbed

    init() throws { testbed = try Testbed.current() }

    static func randomFile(_ path: String, megabytes: Int) throws -> String {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        var hasher = SHA256()
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<megabytes {
            let chunk = Data(
                (0..<(1 << 20) / 8).flatMap { _ in withUnsafeBytes(of: generator.next() as UInt64) { Array($0) } })
            hasher.update(data: chunk)
            try handle.write(contentsOf: chunk)
        }
        try handle.close()
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    @Test("a 50 MB file arrives whole: same SHA-256 on the host, mode set, parents created, downloads back")
    func fiftyMegabytes() throws {
        let directory = try TemporaryDirectory()
        let local = directory.file("payload.bin")
        let digest = try Self.randomFile(local, megabytes: 50)
        let connection = try testbed.connect(testbed.routineHost)
        defer { connection.close() }
        let remoteDirectory = "/tmp/deployctl-test-\(UUID().uuidString)"
        defer { _ = try? connection.execute("rm -rf \(remoteDirectory)") }
        let remote = remoteDirectory + "/nested/dir/payload.bin"

        let uploaded = try connection.upload(file: local, to: remote, mode: 0o640)
        #expect(uploaded.sha256 == digest)
        #expect(uploaded.bytes == 50 << 20)
        let remoteDigest = try connection.execute("sha256sum \(remote)").stdoutText.split(separator: " ").first
        #expect(remoteDigest.map(String.init) == digest)
        let info = try #require(try connection.stat(remote))
        #expect(info.size == 50 << 20 && info.permissions == 0o640 && info.isRegularFile)
        #expect(try connection.execute("ls -A \(remoteDirectory)/nested/dir").stdoutText == "payload.bin\n")

        let back = directory.file("back.bin")
        #expect(try connection.download(remote, to: back) == 50 << 20)
        #expect(FileManager.default.contentsEqual(atPath: local, andPath: back))
        #expect(try connection.stat(remoteDirectory + "/missing") == nil)
    }

    @Test("uploading over an existing file replaces it atomically and small contents read back")
    func replaceExisting() throws {
        let connection = try testbed.connect(testbed.routineHost)
        defer { connection.close() }
        let remote = "/tmp/deployctl-replace-\(UUID().uuidString)"
        defer { _ = try? connection.execute("rm -f \(remote)") }
        _ = try connection.upload(Data("old content, longer than the new one\n".utf8), to: remote)
        _ = try connection.upload(Data("new\n".utf8), to: remote, mode: 0o600)
        #expect(try connection.contents(of: remote) == Data("new\n".utf8))
        #expect(try connection.stat(remote)?.permissions == 0o600)
    }

    @Test(
        "an upload cut off mid-way by the server leaves the old file at the final path",
        .enabled(if: Testbed.isLocalRun, "kills an sshd session process: runs only on the local testbed"))
    func interruptedUpload() throws {
        let host = testbed.disruptableHost
        let directory = try TemporaryDirectory()
        let local = directory.file("large.bin")
        _ = try Self.randomFile(local, megabytes: 300)
        let observer = try testbed.connect(host)
        defer { observer.close() }
        let remote = "/root/deployctl-interrupted-\(UUID().uuidString).bin"
        defer { _ = try? observer.execute("rm -f \(remote) /root/.deployctl-interrupted-*") }
        _ = try observer.upload(Data("previous release\n".utf8), to: remote)

        let uploader = try testbed.connect(host)
        let outcome = UploadOutcome()
        let finished = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            outcome.set(Result { try uploader.upload(file: local, to: remote) })
            finished.signal()
        }
        let name = (remote as NSString).lastPathComponent
        var killed = false
        for _ in 0..<100 where !killed {
            let size = try observer.execute("stat -c %s /root/.\(name).deployctl-*.tmp 2>/dev/null || echo 0")
                .stdoutText
            if (Int(size.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) > 10 << 20 {
                let pids = try observer.execute("pgrep -x sftp-server").stdoutText.split(separator: "\n")
                for pid in pids {
                    let parent = try observer.execute("ps -o ppid= -p \(pid)").stdoutText.trimmingCharacters(
                        in: .whitespaces)
                    let mine = try observer.execute("echo $PPID").stdoutText.trimmingCharacters(
                        in: .whitespacesAndNewlines)
                    if !parent.isEmpty && parent.trimmingCharacters(in: .whitespacesAndNewlines) != mine {
                        _ = try observer.execute("kill -KILL \(parent.trimmingCharacters(in: .whitespacesAndNewlines))")
                        killed = true
                    }
                }
            }
            if !killed { usleep(50_000) }
        }
        #expect(killed, "the upload's sshd session was found and killed mid-transfer")
        #expect(finished.wait(timeout: .now() + 60) == .success)
        uploader.close()
        #expect(outcome.failed, "the cut-off upload reports an error")
        #expect(try observer.contents(of: remote) == Data("previous release\n".utf8))
    }
}

final class UploadOutcome: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<UploadResult, any Error>?
    func set(_ value: Result<UploadResult, any Error>) { lock.withLock { result = value } }
    var failed: Bool {
        lock.withLock {
            if case .failure = result { return true }
            return false
        }
    }
}
