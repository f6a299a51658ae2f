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
        case rejected
    }

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
            guard case .receiving(let head, var body) = state else { return }
            guard body.count + buffer.readableBytes <= maxBodySize else {
                reject(head: head, context: context)
                return
            }
            state = .responding
            body.append(contentsOf: buffer.readableBytesView)
            state = .receiving(head, body)
        case .end:
            guard case .receiving(let head, let body) = state else { return }
            state = .responding
            respond(to: head, body: body, context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func respond(to head: HTTPRequestHead, body: [UInt8], context: ChannelHandlerContext) {
        let target = HTTPRequest.parse(target: head.uri)
        let request = HTTPRequest(method: head.method.rawValue, path: target.path, query: target.query, headers: head.headers, body: body)
        let handler = self.handler
        let promise = context.eventLoop.makePromise(of: HTTPResponse.self)
        promise.completeWithTask { await handler(request) }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        promise.futureResult.whenSuccess { response in
            let (connection, context) = bound.value
            connection.write(response, version: head.version, keepAlive: head.isKeepAlive, context: context)
        }
    }

    private func write(_ response: HTTPResponse, version: HTTPVersion, keepAlive: Bool, context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        let close = !keepAlive || response.cut != nil
        var headers = response.headers
        headers.replaceOrAdd(name: "Content-Length", value: String(response.body.readableBytes))
        headers.replaceOrAdd(name: "Connection", value: close ? "close" : "keep-alive")
        let head = HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        let channel = context.channel
        if let cut = response.cut {
            let part = response.body.getSlice(at: response.body.readerIndex, length: max(0, min(cut, response.body.readableBytes)))
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(part ?? ByteBuffer()))))
                .whenComplete { _ in channel.close(promise: nil) }
            state = .rejected
            return
        }
        if response.body.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(response.body))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if close {
            done.whenComplete { _ in channel.close(promise: nil) }
            state = .rejected
        } else {
            state = .idle
        }
    }

    private func reject(head: HTTPRequestHead, context: ChannelHandlerContext) {
        state = .responding
        let body = ByteBuffer(string: "request body larger than \(maxBodySize) bytes\n")
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        write(HTTPResponse(status: 413, headers: headers, body: body), version: head.version, keepAlive: false, context: context)
    }
}
