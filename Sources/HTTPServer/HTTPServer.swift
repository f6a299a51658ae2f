import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A small HTTP/1.1 server on SwiftNIO that hands each complete request to an async handler.
///
/// Connections are kept alive as HTTP/1.1 asks (one idle between requests is closed after a while),
/// pipelined requests are answered in order, request bodies are read for every method (GET
/// included) up to a bound beyond which the server answers 413 and closes, and malformed input
/// gets a 400 and a closed connection rather than a crash.
/// The server runs on NIO's shared event loop group, so it needs no shutdown beyond ``stop()``.
public final class HTTPServer: Sendable {
    /// Handles one request; it runs on Swift's concurrency pool, never on an event loop.
    public typealias Handler = @Sendable (HTTPRequest) async -> HTTPResponse

    /// The address the server listens on, as given to ``start(host:port:maxBodySize:idleTimeout:handler:)``.
    public let host: String
    /// The port the server listens on (the chosen one when started with port 0).
    public let port: Int
    private let listener: any Channel
    private let connections: NIOLockedValueBox<[ObjectIdentifier: any Channel]>

    private init(
        host: String, port: Int, listener: any Channel, connections: NIOLockedValueBox<[ObjectIdentifier: any Channel]>
    ) {
        self.host = host
        self.port = port
        self.listener = listener
        self.connections = connections
    }

    /// Starts listening and returns once the socket is bound.
    ///
    /// - Parameters:
    ///   - host: The address to bind, e.g. `127.0.0.1`.
    ///   - port: The TCP port; 0 lets the system choose a free one (read it back from ``port``).
    ///   - maxBodySize: The largest request body accepted; a larger one gets 413 and the connection closes.
    ///   - idleTimeout: How long a kept-alive connection may wait for its next request (nginx's default).
    ///   - handler: Called once per request.
    /// - Throws: ``HTTPServerError`` when the address cannot be bound.
    public static func start(
        host: String, port: Int, maxBodySize: Int = 1 << 20, idleTimeout: TimeAmount = .seconds(75),
        handler: @escaping Handler
    ) async throws(HTTPServerError) -> HTTPServer {
        let connections = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                let key = ObjectIdentifier(channel)
                connections.withLockedValue { $0[key] = channel }
                channel.closeFuture.whenComplete { _ in _ = connections.withLockedValue { $0.removeValue(forKey: key) }
                }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: idleTimeout))
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(
                        HTTPConnectionHandler(maxBodySize: maxBodySize, handler: handler))
                }
            }
        let listener: any Channel
        do {
            listener = try await bootstrap.bind(host: host, port: port).get()
        } catch {
            throw HTTPServerError(address: "\(host):\(port)", underlying: String(describing: error))
        }
        return HTTPServer(
            host: host, port: listener.localAddress?.port ?? port, listener: listener, connections: connections)
    }

    /// Stops accepting connections and closes the open ones; requests in flight are abandoned.
    public func stop() async {
        try? await listener.close()
        let open = connections.withLockedValue { Array($0.values) }
        for connection in open {
            try? await connection.close()
        }
    }
}
