import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One `POST` of a JSON document that must be answered with a 2xx status within a time limit.
struct JSONPost: Sendable {
    /// How long the whole request may take, in whole seconds.
    let timeout: Duration

    /// Posts `document` as JSON to `url`.
    ///
    /// - Returns: `nil` when a 2xx status came back in time, otherwise why not, naming the server by
    ///   host and port only (a URL's path and query may hold a secret, such as a bot token).
    ///   `describeBody` turns a refusal's body into a few words, or `nil` to leave it out.
    func send(_ document: some Encodable, to url: URL, describeBody: (Data) -> String? = { _ in nil }) async -> String? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body: Data
        do {
            body = try encoder.encode(document)
        } catch {
            return "cannot encode the message: \(error)"
        }
        // FoundationNetworking's URLSession keeps whole seconds only: a fraction of one would time out at once.
        let seconds = max(1, (Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18).rounded(.up))
        var request = URLRequest(url: url, timeoutInterval: seconds)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = body
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = seconds
        configuration.timeoutIntervalForResource = seconds
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }

        let server = Self.server(of: url)
        do {
            let (data, response) = try await session.data(for: request)
            guard let http = response as? HTTPURLResponse else {
                return "\(server) did not answer in HTTP"
            }
            guard (200..<300).contains(http.statusCode) else {
                return "HTTP \(http.statusCode) from \(server)" + (describeBody(data).map { ": \($0)" } ?? "")
            }
            return nil
        } catch let error as URLError {
            switch error.code {
            case .timedOut:
                return "no answer from \(server) within \(String(format: "%g", seconds)) s"
            case .cannotConnectToHost:
                return "cannot connect to \(server)"
            case .networkConnectionLost:
                return "\(server) closed the connection"
            case .cannotFindHost, .dnsLookupFailed:
                return "cannot resolve \(url.host ?? server)"
            default:
                return "\(server): network error \(error.code.rawValue)"
            }
        } catch {
            return "\(server): \(error)"
        }
    }

    /// `host:port` of `url`, or just the host for the scheme's usual port.
    private static func server(of url: URL) -> String {
        let host = url.host ?? "?"
        return url.port.map { "\(host):\($0)" } ?? host
    }
}
