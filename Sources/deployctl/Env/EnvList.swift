import ArgumentParser
import Deployer
import Environments

struct EnvList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the environment files, with their role and hosts; broken files show their error.",
        discussion: "Exit status: 0 every file is valid, 2 a file is invalid or the folder is missing.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await global.report("env list") { EnvironmentList(try global.catalog.loadAll()) }
    }
}
