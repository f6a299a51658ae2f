import ArgumentParser
import Console
import Deployer
import Migrator

extension Deployctl {
    struct Lock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show or break the migration lock of an environment.", subcommands: [LockStatus.self, LockBreak.self])
    }
}
