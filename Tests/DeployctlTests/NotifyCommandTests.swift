import Foundation
import HTTPServer
import NIOConcurrencyHelpers
import Testbed
import Testing

/// `[notify]` as a user has it: deploy and verify on prod2 post their result to a webhook (a real
/// HTTP server on the machine's 127.0.0.1), in Russian, with the report's path; a receiver that
/// fails is reported on standard error and changes nothing else.
@Suite("deployctl deploy and verify announce their result on [notify]", .serialized)
struct NotifyCommandTests {
    @Test("a deploy and a verify post a Russian summary to the webhook; a failing webhook leaves the exit status alone")
    func webhook() async throws {
        let received = NIOLockedValueBox<[Data]>([])
        let failing = NIOLockedValueBox(false)
        let server = try await HTTPServer.start(host: "127.0.0.1", port: 0) { request in
            received.withLockedValue { $0.append(Data(request.body)) }
            return HTTPResponse(status: failing.withLockedValue { $0 } ? 500 : 200, text: "{}")
        }
        let fixture = try await DeployFixture {
            $0 + "\n[notify]\nwebhook_url = \"http://127.0.0.1:\(server.port)/deployctl\"\n"
        }
        let reports = try TemporaryDirectory("notify-reports")
        do {
            let release = try DeployTests.buildID(fixture, ["--checkout", Testbed.repository.path, "--allow-dirty"])
            #expect(try fixture.deployctl(["setup", DeployFixture.host]).status == 0)
            #expect(
                try fixture.deployctl(["secrets", "push", DeployFixture.host, "--from", fixture.envFile()]).status == 0)
            let deployed = try fixture.deployctl(["deploy", DeployFixture.host, "--release", release])
            #expect(deployed.status == 0 && deployed.stderr.isEmpty, "\(deployed.stdout)\(deployed.stderr)")
            let verified = try fixture.deployctl(["verify", DeployFixture.host, "--output-dir", reports.path])
            #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
            let documents = received.withLockedValue { $0 }.compactMap {
                try? JSONSerialization.jsonObject(with: $0) as? [String: Any]
            }
            #expect(documents.map { $0["command"] as? String } == ["deploy", "verify"], "\(documents)")
            let deploy = documents.first ?? [:]
            #expect(
                deploy["ok"] as? Bool == true && deploy["release"] as? String == release
                    && deploy["environment"] as? String == DeployFixture.host)
            #expect((deploy["summary"] as? String)?.contains("развёрнут") == true, "\(deploy)")
            let verify = documents.last ?? [:]
            #expect((verify["summary"] as? String)?.contains("пройдена") == true, "\(verify)")
            #expect((verify["report"] as? String)?.hasSuffix("TASK-QT-API-E2E-REPORT.md") == true, "\(verify)")
            #expect(!documents.contains { "\($0)".contains(fixture.token) }, "no secret in a notification")

            failing.withLockedValue { $0 = true }
            let again = try fixture.deployctl(["--json", "verify", DeployFixture.host, "--output-dir", reports.path])
            #expect(
                again.status == 0 && again.envelope != nil,
                "the exit status and the JSON document stay the command's: \(again.stdout)")
            #expect(again.stderr.contains("notify: webhook failed: HTTP 500"), "\(again.stderr)")
        } catch {
            Issue.record(error)
        }
        await fixture.cleanup()
        await server.stop()
    }
}
