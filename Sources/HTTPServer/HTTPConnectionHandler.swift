import NIOCore
import NIOHTTP1

/// Collects one request at a time from NIO's HTTP/1.1 decoder, runs the handler off the event
/// loop, and writes its response back. NIO's pipelining helper upstream holds later requests on
/// the same connection until this response has been written.
final class HTTPConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case idle
        case receiving(HTTPRequestHead, [UInt8])
        case responding
        /// A 413 was sent; the rest of the request is read and dropped (so that closing does not
        /// reset the connection before the client has read the answer), then the connection closes.
        case draining(discarded: Int, answered: EventLoopFuture<Void>)
        case closing
    }

    /// How much of a rejected request's body is read and dropped before closing regardless.
    private static let drainLimit = 4 << 20

    private var state = State.idle
    private let maxBodySize: Int
    private let handler: HTTPServer.Handler

    init(maxBodySize: Int, handler: @escaping HTTPServer.Handler) {
        self.maxBodySize = maxBodySize
        self.handler = handler
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            guard case .idle = state else { return }
            if let declared = head.headers.first(name: "content-length").flatMap(Int.init), declared > maxBodySize {
                reject(head: head, context: context)
                return
            }
            state = .receiving(head, [])
        case .body(let buffer):
            if case .draining(let discarded, let answered) = state {
                let total = discarded + buffer.readableBytes
                state = .draining(discarded: total, answered: answered)
                if total > Self.drainLimit { close(after: answered, context: context) }
                return
            }
            guard case .receiving(let head, var body) = state else { return }
            guard body.count + buffer.readableBytes <= maxBodySize else {
                reject(head: head, context: context)
                return
            }
            state = .responding  // leaves `body` uniquely referenced, so appending does not copy it
            body.append(contentsOf: buffer.readableBytesView)
            state = .receiving(head, body)
        case .end:
            if case .draining(_, let answered) = state {
                close(after: answered, context: context)
                return
            }
            guard case .receiving(let head, let body) = state else { return }
            state = .responding
            respond(to: head, body: body, context: context)
        }
    }

    /// Closes a connection that has been idle between requests for the server's idle timeout;
    /// one waiting for its handler's answer stays open.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is IdleStateHandler.IdleStateEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        if case .idle = state { context.close(promise: nil) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func respond(to head: HTTPRequestHead, body: [UInt8], context: ChannelHandlerContext) {
        let target = HTTPRequest.parse(target: head.uri)
        let request = HTTPRequest(
            method: head.method.rawValue, path: target.path, query: target.query, headers: head.headers, body: body)
        let handler = self.handler
        let promise = context.eventLoop.makePromise(of: HTTPResponse.self)
        promise.completeWithTask { await handler(request) }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        promise.futureResult.whenSuccess { response in
            let (connection, context) = bound.value
            connection.write(response, version: head.version, keepAlive: head.isKeepAlive, context: context)
        }
    }

    /// Writes a response and, unless `keepAlive` or told otherwise, closes the connection after
    /// it; returns when the last byte has been handed to the socket.
    @discardableResult
    private func write(
        _ response: HTTPResponse, version: HTTPVersion, keepAlive: Bool, closeWhenWritten: Bool = true,
        context: ChannelHandlerContext
    ) -> EventLoopFuture<Void> {
        guard context.channel.isActive else { return context.eventLoop.makeSucceededVoidFuture() }
        let close = !keepAlive || response.cut != nil
        var headers = response.headers
        headers.replaceOrAdd(name: "Content-Length", value: String(response.body.readableBytes))
        headers.replaceOrAdd(name: "Connection", value: close ? "close" : "keep-alive")
        let head = HTTPResponseHead(
            version: version, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        // Set before the final write: NIO's pipelining helper hands over the next queued request
        // from inside that write.
        state = close ? .closing : .idle
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        let channel = context.channel
        if let cut = response.cut {
            let part = response.body.getSlice(
                at: response.body.readerIndex, length: max(0, min(cut, response.body.readableBytes)))
            let sent = context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(part ?? ByteBuffer()))))
            sent.whenComplete { _ in channel.close(promise: nil) }
            return sent
        }
        if response.body.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(response.body))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if close && closeWhenWritten { done.whenComplete { _ in channel.close(promise: nil) } }
        return done
    }

    private func reject(head: HTTPRequestHead, context: ChannelHandlerContext) {
        let body = ByteBuffer(string: "request body larger than \(maxBodySize) bytes\n")
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        let answer = HTTPResponse(status: 413, headers: headers, body: body)
        let answered = write(answer, version: head.version, keepAlive: false, closeWhenWritten: false, context: context)
        state = .draining(discarded: 0, answered: answered)
    }

    private func close(after answered: EventLoopFuture<Void>, context: ChannelHandlerContext) {
        state = .closing
        let channel = context.channel
        answered.whenComplete { _ in channel.close(promise: nil) }
    }
}
