import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// One `POST` of a JSON document that must be answered with a 2xx status within a time limit.
///
/// AsyncHTTPClient (with NIO's TLS) rather than FoundationNetworking: deployctl is linked
/// statically and must not need libcurl on the workstation.
struct JSONPost: Sendable {
    /// How long the whole request may take.
    let timeout: Duration

    /// Posts `document` as JSON to `url`.
    ///
    /// - Returns: `nil` when a 2xx status came back in time, otherwise why not, naming the server by
    ///   host and port only (a URL's path and query may hold a secret, such as a bot token).
    ///   `describeBody` turns a refusal's body into a few words, or `nil` to leave it out.
    func send(_ document: some Encodable, to url: URL, describeBody: (Data) -> String? = { _ in nil }) async -> String?
    {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body: Data
        do {
            body = try encoder.encode(document)
        } catch {
            return "cannot encode the message: \(error)"
        }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(data: body))
        let server = Self.server(of: url)
        let limit = TimeAmount.nanoseconds(
            Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
        let within =
            "\(String(format: "%g", Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18)) s"
        do {
            let response = try await HTTPClient.notify.execute(request, timeout: limit)
            let answer = try await response.body.collect(upTo: 1 << 20)
            guard (200..<300).contains(response.status.code) else {
                return "HTTP \(response.status.code) from \(server)"
                    + (describeBody(Data(buffer: answer)).map { ": \($0)" } ?? "")
            }
            return nil
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            return "no answer from \(server) within \(within)"
        } catch let error as HTTPClientError where error == .connectTimeout {
            return "cannot connect to \(server) within \(within)"
        } catch let error as HTTPClientError where error == .remoteConnectionClosed {
            return "\(server) closed the connection"
        } catch {
            let text = String(describing: error)
            return text.lowercased().contains("connection refused")
                ? "cannot connect to \(server)" : "\(server): \(text)"
        }
    }

    /// `host:port` of `url`, or just the host for the scheme's usual port.
    private static func server(of url: URL) -> String {
        let host = url.host ?? "?"
        return url.port.map { "\(host):\($0)" } ?? host
    }
}

extension HTTPClient {
    /// The client notifications go through: a receiver that refuses the connection fails the
    /// request at once instead of being retried until the deadline.
    static let notify: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()
}
