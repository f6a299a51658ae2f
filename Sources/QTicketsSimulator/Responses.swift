import HTTPServer
import NIOCore
import NIOHTTP1

/// Responses shaped like the real server's: nginx headers, the API's JSON error wrapper, and
/// nginx or site HTML pages where those answer instead.
enum Responses {
    static func headers(contentType: String) -> HTTPHeaders {
        [
            "Server": "nginx/1.14.1",
            "Content-Type": contentType,
            "Cache-Control": "no-cache, private",
            "X-Cache-Status": "MISS",
            "Vary": "Accept-Encoding",
        ]
    }

    static func json(status: Int = 200, _ bytes: [UInt8]) -> HTTPResponse {
        HTTPResponse(status: status, headers: headers(contentType: "application/json"), bytes: bytes)
    }

    static func json(status: Int, text: String) -> HTTPResponse {
        HTTPResponse(status: status, headers: headers(contentType: "application/json"), text: text)
    }

    /// The site's 404 page, which unknown routes get.
    static func notFoundPage() -> HTTPResponse {
        HTTPResponse(
            status: 404, headers: headers(contentType: "text/html; charset=UTF-8"),
            text: """
                <!DOCTYPE html>
                <html lang="ru">
                <head><meta charset="utf-8"><title>Страница не найдена 404 – Qtickets</title></head>
                <body><h1>404</h1><p>Страница не найдена</p></body>
                </html>

                """)
    }

    static func forbidden() -> HTTPResponse {
        json(status: 403, text: #"{"error":"Forbidden","status":403}"#)
    }

    static func notFound(resource: String, id: Int) -> HTTPResponse {
        json(
            status: 404,
            text:
                #"{"error":"Resource \"\#(resource)\" not found","status":404,"code":"RESOURCE_NOT_FOUND","info":{"id":\#(id),"resource":"\#(resource)"}}"#
        )
    }

    /// What `POST /orders` with a filter body gets: a failed order creation.
    static func createOrderFailed() -> HTTPResponse {
        json(status: 503, text: #"{"error":"Unknown error","status":503,"code":"UNKNOWN_ERROR","info":[]}"#)
    }

    /// What a query the backend cannot run gets.
    static func unknownError() -> HTTPResponse {
        json(status: 503, text: #"{"error":"unknown error","status":503,"code":"UNKNOWN_ERROR"}"#)
    }

    /// An injected failure: nginx's HTML page for gateway errors, the API's wrapper otherwise.
    static func failure(status: Int) -> HTTPResponse {
        switch status {
        case 502, 504:
            let title = status == 502 ? "502 Bad Gateway" : "504 Gateway Time-out"
            return HTTPResponse(
                status: status, headers: headers(contentType: "text/html"),
                text:
                    "<html>\r\n<head><title>\(title)</title></head>\r\n<body bgcolor=\"white\">\r\n<center><h1>\(title)</h1></center>\r\n<hr><center>nginx/1.14.1</center>\r\n</body>\r\n</html>\r\n"
            )
        case 429:
            return json(status: 429, text: #"{"error":"Too Many Attempts.","status":429,"code":"TOO_MANY_REQUESTS"}"#)
        default:
            return json(status: status, text: #"{"error":"unknown error","status":\#(status),"code":"UNKNOWN_ERROR"}"#)
        }
    }
}
