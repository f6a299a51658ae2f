/// What `deployctl --version` prints.
enum BuildInfo {
    /// deployctl's version.
    static let version = "0.5.0"

    /// `deployctl 0.5.0 (git 0123456789ab)`; the revision is the one `make install` built, when it wrote it.
    static var versionLine: String {
        "deployctl \(version)" + (BuildRevision.revision.map { " (git \($0))" } ?? "")
    }
}
