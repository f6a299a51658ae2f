import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Asks a ClickHouse HTTP endpoint (reached through a tunnel on 127.0.0.1) whether it answers and
/// which version it is. The password travels only in the `X-ClickHouse-Key` header.
struct ClickHouseProbe {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let port: Int

    private var session: URLSession {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 10
        return URLSession(configuration: configuration)
    }

    func ping() async throws {
        let (body, status) = try await get("/ping", headers: [:])
        guard status == 200, body.hasPrefix("Ok.") else { throw Failure(description: "unexpected answer to /ping: HTTP \(status)") }
    }

    func version(user: String, password: String) async throws -> String {
        let (body, status) = try await get(
            "/?query=SELECT%20version()", headers: ["X-ClickHouse-User": user, "X-ClickHouse-Key": password])
        guard status == 200 else {
            throw Failure(description: "HTTP \(status): \(body.split(separator: "\n").first.map(String.init) ?? "")")
        }
        return body.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func get(_ path: String, headers: [String: String]) async throws -> (String, Int) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        do {
            let (data, response) = try await session.data(for: request)
            return (String(decoding: data, as: UTF8.self), (response as? HTTPURLResponse)?.statusCode ?? 0)
        } catch {
            throw Failure(description: "nothing answers (is ClickHouse running and listening there?)")
        }
    }
}
