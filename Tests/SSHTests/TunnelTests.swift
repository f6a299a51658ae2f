import Foundation
import SSH
import Testbed
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

@Suite("tunnels to a port on the host's own localhost")
struct TunnelTests {
    let testbed: Testbed

    init() throws { testbed = try Testbed.current() }

    @Test("an HTTP server bound to the host's 127.0.0.1 answers through the tunnel, and only through it")
    func httpThroughTunnel() async throws {
        let connection = try testbed.connect(testbed.routineHost)
        defer { connection.close() }
        let port = 18_000 + Int.random(in: 0..<1000)
        let directory = "/tmp/deployctl-tunnel-\(port)"
        let started = try connection.execute(
            "mkdir -p \(directory) && echo tunnel-ok > \(directory)/probe.txt && cd \(directory) && "
                + "(nohup python3 -m http.server --bind 127.0.0.1 \(port) >/dev/null 2>&1 & echo $!)")
        let pid = started.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
        defer { _ = try? connection.execute("kill \(pid); rm -rf \(directory)") }
        _ = try connection.execute(
            "for i in $(seq 50); do python3 -c 'import socket,sys; socket.create_connection((\"127.0.0.1\", \(port)), 1)' 2>/dev/null && exit 0; sleep 0.1; done; exit 1"
        )

        let tunnel = try connection.openTunnel(toPort: port)
        defer { tunnel.close() }
        let session = URLSession(configuration: .ephemeral)
        for _ in 0..<5 {
            let (body, response) = try await session.data(
                from: URL(string: "http://127.0.0.1:\(tunnel.localPort)/probe.txt")!)
            #expect((response as? HTTPURLResponse)?.statusCode == 200)
            #expect(String(decoding: body, as: UTF8.self) == "tunnel-ok\n")
        }
        if testbed.routineHost.address != "127.0.0.1" {
            let bypass = try? await session.data(
                from: URL(string: "http://\(testbed.routineHost.address):\(port)/probe.txt")!)
            #expect(bypass == nil, "the server is bound to the host's localhost and unreachable from outside")
        }
    }

    @Test("a tunnel carries a large response while commands run on the same connection")
    func multiplexedTraffic() async throws {
        let connection = try testbed.connect(testbed.routineHost)
        defer { connection.close() }
        let port = 19_000 + Int.random(in: 0..<1000)
        let directory = "/tmp/deployctl-tunnel-\(port)"
        let started = try connection.execute(
            "mkdir -p \(directory) && head -c 20000000 /dev/urandom > \(directory)/blob && cd \(directory) && "
                + "(nohup python3 -m http.server --bind 127.0.0.1 \(port) >/dev/null 2>&1 & echo $!)")
        let pid = started.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
        defer { _ = try? connection.execute("kill \(pid); rm -rf \(directory)") }
        _ = try connection.execute(
            "for i in $(seq 50); do python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", \(port)), 1)' 2>/dev/null && exit 0; sleep 0.1; done; exit 1"
        )
        let expected = try connection.execute("sha256sum \(directory)/blob").stdoutText.prefix(64)

        let tunnel = try connection.openTunnel(toPort: port)
        defer { tunnel.close() }
        async let download = URLSession(configuration: .ephemeral).data(
            from: URL(string: "http://127.0.0.1:\(tunnel.localPort)/blob")!)
        var echoes = 0
        for index in 0..<20 where try await connection.run("echo \(index)").stdoutText == "\(index)\n" { echoes += 1 }
        let (body, _) = try await download
        #expect(echoes == 20)
        #expect(body.count == 20_000_000)
        let digest = try runLocal(["sha256sum"], input: body).prefix(64)
        #expect(digest == expected)
    }
}
