/// The git revision this binary was built from; `make install` rewrites this file for the build it
/// installs and restores it afterwards.
enum BuildRevision {
    static let revision: String? = nil
}
