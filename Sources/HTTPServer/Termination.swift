import Dispatch

#if canImport(Glibc)
    import Glibc
#endif

/// How a program that serves until it is stopped waits: systemd stops it with SIGTERM, a person
/// at a terminal with Ctrl-C (SIGINT).
public enum Termination {
    /// Returns on the first SIGTERM or SIGINT; the signals' default action (exit) is off from the
    /// first call, so the caller can stop its server and say so before it exits.
    public static func wait() async {
        let (signals, continuation) = AsyncStream.makeStream(of: Int32.self)
        let queue = DispatchQueue(label: "termination.signals")
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGTERM, SIGINT] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            sources.append(source)
        }
        for await _ in signals { break }
        sources.forEach { $0.cancel() }
    }
}
