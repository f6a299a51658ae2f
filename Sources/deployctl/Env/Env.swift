import ArgumentParser

extension Deployctl {
    struct Env: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List environments and check their hosts.",
            subcommands: [EnvList.self, EnvCheck.self]
        )
    }
}
