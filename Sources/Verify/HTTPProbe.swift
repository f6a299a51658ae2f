import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// One `GET` of a small answer (at most 1 MiB) within 10 seconds, for the endpoints verify asks
/// through an SSH tunnel. AsyncHTTPClient rather than FoundationNetworking: deployctl is linked
/// statically and must not need libcurl on the workstation.
enum HTTPProbe {
    struct Answer: Sendable {
        /// The status code; nil when no answer came, and then `problem` says why.
        var code: Int?
        var contentType: String?
        var body: Data?
        var problem = Message.verbatim("")
        var seconds = 0.0

        init(code: Int? = nil, contentType: String? = nil, body: Data? = nil, problem: Message = .verbatim("")) {
            self.code = code
            self.contentType = contentType
            self.body = body
            self.problem = problem
        }
    }

    static func get(_ url: String) async -> Answer {
        var request = HTTPClientRequest(url: url)
        // Every probe goes through a tunnel of its own, closed right after: no connection is kept.
        request.headers.add(name: "Connection", value: "close")
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 1 << 20)
            return Answer(
                code: Int(response.status.code), contentType: response.headers.first(name: "Content-Type"),
                body: Data(buffer: body))
        } catch {
            return Answer(problem: Message(en: "no answer: \(error)", ru: "нет ответа: \(error)"))
        }
    }
}
