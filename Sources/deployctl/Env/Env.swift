import ArgumentParser

extension Deployctl {
    struct Env: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List environments, show how their hosts are reached, and check them.",
            subcommands: [EnvList.self, EnvShow.self, EnvCheck.self]
        )
    }
}
