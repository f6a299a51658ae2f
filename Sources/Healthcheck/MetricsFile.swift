#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

#if canImport(Glibc)
    import Glibc
#endif

/// Writes a metrics file for node_exporter's textfile collector atomically: the text goes to a
/// hidden temporary file in the same folder (`.<name>.<pid>.<random>.tmp`, which the collector's
/// `*.prom` pattern does not match), is flushed to disk, made readable by everyone (mode 0644,
/// whatever the unit's `UMask`, since node_exporter runs as another user) and renamed over the
/// target. A scrape therefore reads the previous file or the whole new one, never a part.
public enum MetricsFile {
    /// Replaces `path` with `text`.
    ///
    /// - Throws: `MetricsFileError` naming the path and the system's reason; the temporary file is
    ///   removed again and `path` keeps what it held.
    public static func write(_ text: String, to path: String) throws(MetricsFileError) {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let temporary =
            folder + "/." + url.lastPathComponent + ".\(getpid()).\(UInt32.random(in: 0..<UInt32.max)).tmp"
        func failed(_ what: String) -> String { "\(what): \(String(cString: strerror(errno)))" }
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw MetricsFileError(path: path, reason: failed("cannot create \(temporary)")) }
        var failure: String?
        let bytes = Array(text.utf8)
        var written = 0
        while failure == nil && written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno != EINTR {
                failure = failed("cannot write \(temporary)")
            } else if count > 0 {
                written += count
            }
        }
        if failure == nil && fchmod(descriptor, 0o644) != 0 { failure = failed("cannot make \(temporary) readable") }
        if failure == nil && fsync(descriptor) != 0 { failure = failed("cannot flush \(temporary)") }
        if close(descriptor) != 0 && failure == nil { failure = failed("cannot close \(temporary)") }
        if failure == nil && rename(temporary, path) != 0 {
            failure = failed("cannot rename \(temporary) to \(path)")
        }
        if let failure {
            unlink(temporary)
            throw MetricsFileError(path: path, reason: failure)
        }
    }
}

/// A metrics file that could not be written; the message names it and why.
public struct MetricsFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file that was to be written.
    public let path: String
    /// What failed, with the system's reason.
    public let reason: String

    public var description: String { "cannot write the metrics file \(path): \(reason)" }
}
