import ClickHouse
import Foundation
import Testbed
import Testing

/// Which real server a conformance test runs against.
enum ServerKind: String, CaseIterable, CustomStringConvertible {
    case modern, legacy

    var description: String { rawValue }

    func server() throws -> ClickHouseServer {
        switch self {
        case .modern: try ClickHouseServer.modern()
        case .legacy: try ClickHouseServer.legacy()
        }
    }
}

@Suite("the ClickHouse client against real servers (modern engine through SSH, Debian's 18.16)")
struct ClientConformanceTests {
    @Test("version and ping", arguments: ServerKind.allCases)
    func versionAndPing(kind: ServerKind) async throws {
        let server = try kind.server()
        let client = ClickHouseClient(endpoint: server.admin)
        #expect(await client.ping())
        let version = try #require(try await client.value("SELECT version()"))
        #expect(version.split(separator: ".").count >= 3)
    }

    @Test("a syntax error is code 62 SYNTAX_ERROR, an unknown table 60", arguments: ServerKind.allCases)
    func serverErrors(kind: ServerKind) async throws {
        let server = try kind.server()
        defer { withExtendedLifetime(server) {} }
        let client = ClickHouseClient(endpoint: server.admin)
        let syntax = await #expect(throws: ClickHouseError.self) { try await client.execute("SELEC 1") }
        #expect(syntax?.kind == .server && syntax?.code == 62 && syntax?.name == "SYNTAX_ERROR")
        let table = await #expect(throws: ClickHouseError.self) {
            _ = try await client.rows("SELECT * FROM system.no_such_table_here")
        }
        #expect(table?.code == 60 && table?.name == "UNKNOWN_TABLE")
        #expect(table?.httpStatus != 200)
    }

    @Test(
        "a wrong password is refused as an authentication error, and the password is never in the message",
        arguments: ServerKind.allCases)
    func wrongPassword(kind: ServerKind) async throws {
        let server = try kind.server()
        defer { withExtendedLifetime(server) {} }
        var endpoint = server.admin
        endpoint.password = "definitely-wrong-\(UUID().uuidString)"
        let error = await #expect(throws: ClickHouseError.self) {
            _ = try await ClickHouseClient(endpoint: endpoint).rows("SELECT 1")
        }
        #expect([516, 193, 192, 194].contains(error?.code ?? 0))
        #expect(error?.description.contains(endpoint.password) == false)
        #expect(!endpoint.description.contains(endpoint.password))
    }

    /// A setting's value keeps every character: a `+` that the URL leaves bare arrives as a space.
    @Test("settings travel as parameters, every character intact", arguments: ServerKind.allCases)
    func settings(kind: ServerKind) async throws {
        let server = try kind.server()
        defer { withExtendedLifetime(server) {} }
        let client = ClickHouseClient(endpoint: server.admin)
        let threads = try await client.value(
            "SELECT value FROM system.settings WHERE name = 'max_threads'", settings: ["max_threads": "3"])
        #expect(threads == "3")
        let text = "Etc/GMT+3 a&b=c;d#e%20f?g ё"
        let schema = try await client.value(
            "SELECT value FROM system.settings WHERE name = 'format_schema'", settings: ["format_schema": text])
        #expect(schema == text)
    }

    @Test("a million rows come back whole", arguments: ServerKind.allCases)
    func largeResult(kind: ServerKind) async throws {
        let server = try kind.server()
        defer { withExtendedLifetime(server) {} }
        let client = ClickHouseClient(endpoint: server.admin)
        let rows = try await client.rows("SELECT number, toString(number) FROM system.numbers LIMIT 1000000")
        #expect(rows.count == 1_000_000)
        #expect(rows.last == ["999999", "999999"])
    }

    @Test("rows inserted as JSON in batches are all there", arguments: ServerKind.allCases)
    func insertBatches(kind: ServerKind) async throws {
        let server = try kind.server()
        defer { withExtendedLifetime(server) {} }
        let admin = ClickHouseClient(endpoint: server.admin)
        let database = "deployctl_test_\(UInt32.random(in: 0..<UInt32.max))"
        try await admin.execute("CREATE DATABASE \(database)")
        defer { Task { try? await admin.execute("DROP DATABASE IF EXISTS \(database)") } }
        let client = admin.using(database: database)
        try await client.execute("CREATE TABLE t (id UInt64, name String) ENGINE = MergeTree ORDER BY id")
        let rows = (0..<25_000).map { Data("{\"id\":\($0),\"name\":\"n\\t\($0)\"}".utf8) }
        try await client.insert(into: "t", columns: ["id", "name"], rows: rows, batchSize: 10_000)
        #expect(try await client.value("SELECT count() FROM t") == "25000")
        #expect(try await client.value("SELECT name FROM t WHERE id = 7") == "n\t7")
        try await admin.execute("DROP DATABASE \(database)")
    }

    @Test(
        "a query past the client's timeout fails as a timeout; a closed port fails naming the address",
        arguments: ServerKind.allCases)
    func timeoutsAndTransport(kind: ServerKind) async throws {
        let server = try kind.server()
        defer { withExtendedLifetime(server) {} }
        var endpoint = server.admin
        endpoint.timeout = .milliseconds(700)
        let slow = await #expect(throws: ClickHouseError.self) {
            _ = try await ClickHouseClient(endpoint: endpoint).rows("SELECT sleep(2)")
        }
        #expect(slow?.kind == .timeout)
        endpoint.url = URL(string: "http://127.0.0.1:1")!
        endpoint.timeout = .seconds(30)
        let closed = await #expect(throws: ClickHouseError.self) {
            _ = try await ClickHouseClient(endpoint: endpoint, readAttempts: 2).rows("SELECT 1")
        }
        #expect(
            closed?.kind == .transport,
            "a refused connection fails at once as a transport error, not as a timeout at the deadline")
        #expect(closed?.message.contains("127.0.0.1:1") == true)
    }
}
