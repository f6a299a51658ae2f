extension Environment {
    /// Where and how the pipeline's systemd units are installed.
    public struct Systemd: Sendable, Hashable {
        /// Which systemd instance manages the units.
        public enum Scope: String, Sendable, Hashable, CaseIterable {
            /// The system manager (`systemctl`), which needs root to install units; the only one
            /// deployctl supports (`scope = "user"` is refused when the file is read).
            case system
        }

        /// Which systemd instance manages the units.
        public var scope: Scope

        /// The directory on the host that unit files are written to.
        public var unitsDirectory: String

        /// Creates the systemd settings; without a directory, the scope's usual one is used.
        public init(scope: Scope = .system, unitsDirectory: String? = nil) {
            self.scope = scope
            self.unitsDirectory = unitsDirectory ?? Self.defaultUnitsDirectory(for: scope)
        }

        /// The directory systemd reads units from for `scope` when the file names none.
        public static func defaultUnitsDirectory(for scope: Scope) -> String {
            switch scope {
            case .system: "/etc/systemd/system"
            }
        }
    }
}
