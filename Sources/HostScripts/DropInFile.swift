/// The one drop-in file deployctl writes for a unit: `<unit>.d/50-deployctl-environment.conf`, in
/// the units folder, holding what this environment changes about the release's unit.
public enum DropInFile {
    /// The drop-in's file name inside `<unit>.d/`.
    public static let name = "50-deployctl-environment.conf"

    /// The drop-in's path relative to the units folder.
    public static func path(for unit: String) -> String { "\(unit).d/\(name)" }
}
