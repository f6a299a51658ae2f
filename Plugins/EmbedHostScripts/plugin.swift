import Foundation
import PackagePlugin

/// Embeds the `*.sh` files of a target into its code at build time, as `HostScriptSource` values:
/// a host script is a file that shellcheck and a person can read, and still part of the one static
/// binary (no resource bundle to install beside it).
@main
struct EmbedHostScripts: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let files = target.sourceModule.map { Array($0.sourceFiles(withSuffix: "sh")) } ?? []
        let scripts = files.map(\.url)
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let output = context.pluginWorkDirectoryURL.appending(path: "HostScriptSource+Embedded.swift")
        let generator = context.package.directoryURL.appending(path: "Plugins/EmbedHostScripts/embed.sh")
        return [
            .buildCommand(
                displayName: "Embedding \(scripts.count) host scripts",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: [generator.path, output.path] + scripts.map { $0.path },
                inputFiles: [generator] + scripts,
                outputFiles: [output]
            )
        ]
    }
}
