import Foundation
import HTTPServer

/// Control routes for a simulator running in another process (benchmarks, systemd tests). They
/// live under `/__sim`, apart from the API, need no token, and are never faulted or counted.
///
/// - `GET /__sim/truth`: ``SimulatorTruth/json()``.
/// - `GET /__sim/clock`: `{"now":"…"}`.
/// - `POST /__sim/advance` with `{"seconds":N}`: moves the clock, answers `{"now":"…"}`.
/// - `POST /__sim/faults` with a fault (see ``SimulatorFault/init(json:)``): queues it.
/// - `DELETE /__sim/faults`: drops pending faults, restoring a revoked token.
/// - `GET /__sim/stats`: `{"requests":{route:n},"faults":{kind:n},"total_requests":n,"total_faults":n}`.
/// - `DELETE /__sim/stats`: zeroes the counters.
extension QTicketsSimulator {
    func control(_ request: HTTPRequest) -> HTTPResponse {
        let route = String(request.path.dropFirst(Self.controlPrefix.count))
        switch (request.method, route) {
        case ("GET", "/truth"):
            return Responses.json(truth().json())
        case ("GET", "/clock"):
            return clockResponse()
        case ("POST", "/advance"):
            guard let object = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any],
                let seconds = (object["seconds"] as? NSNumber)?.doubleValue
            else { return Responses.json(status: 400, text: #"{"error":"expected {\"seconds\":N}"}"#) }
            advance(by: seconds)
            return clockResponse()
        case ("POST", "/faults"):
            guard let fault = SimulatorFault(json: request.body) else {
                return Responses.json(
                    status: 400,
                    text:
                        #"{"error":"expected {\"kind\":\"latency|status|truncated|reset|token_revoked\",…,\"count\":N,\"route\":\"/orders\"}"}"#
                )
            }
            inject(fault)
            return Responses.json(status: 200, text: #"{"ok":true}"#)
        case ("DELETE", "/faults"):
            clearFaults()
            return Responses.json(status: 200, text: #"{"ok":true}"#)
        case ("GET", "/stats"):
            return Responses.json(statsJSON(stats()))
        case ("DELETE", "/stats"):
            resetStats()
            return Responses.json(status: 200, text: #"{"ok":true}"#)
        default:
            return Responses.json(status: 404, text: #"{"error":"no such control route"}"#)
        }
    }

    private func clockResponse() -> HTTPResponse {
        var out = JSONBytes(capacity: 64, offset: Int64(timestampOffset))
        out.raw("{\"now\":")
        out.time(nowSeconds)
        out.byte(UInt8(ascii: "}"))
        return Responses.json(out.bytes)
    }

    private func statsJSON(_ stats: SimulatorStats) -> [UInt8] {
        var out = JSONBytes(capacity: 512, offset: 0)
        for (name, counts) in [("requests", stats.requests), ("faults", stats.faults)] {
            out.byte(name == "requests" ? UInt8(ascii: "{") : UInt8(ascii: ","))
            out.string(name)
            out.raw(":{")
            for (position, key) in counts.keys.sorted().enumerated() {
                if position > 0 { out.byte(UInt8(ascii: ",")) }
                out.string(key)
                out.byte(UInt8(ascii: ":"))
                out.int(counts[key] ?? 0)
            }
            out.byte(UInt8(ascii: "}"))
        }
        out.raw(",\"total_requests\":")
        out.int(stats.totalRequests)
        out.raw(",\"total_faults\":")
        out.int(stats.totalFaults)
        out.byte(UInt8(ascii: "}"))
        return out.bytes
    }
}
