import ArgumentParser
import Foundation
import QTicketsLoader

extension QTicketsAPICommand {
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One incremental load: events, new orders, changed orders, seat counters.",
            discussion:
                "With --dry-run it calls the API, parses, validates and shows what it would insert, and writes nothing."
        )

        @OptionGroup var options: ConfigurationOptions

        @Flag(help: "Do everything but the writes, and print what would be inserted.")
        var dryRun = false

        func run() async throws {
            let configuration = try options.load()
            let summary = await Loader(configuration: configuration).run(dryRun: dryRun)
            if dryRun {
                print("dry run: nothing was written")
                let width = StagingTable.allCases.map(\.rawValue.count).max() ?? 0
                for table in StagingTable.allCases {
                    let sample = summary.samples[table]
                    print(
                        "  \(table.rawValue.padding(toLength: width, withPad: " ", startingAt: 0))  \(sample?.rows ?? 0) rows"
                    )
                }
                for table in StagingTable.allCases {
                    if let sample = summary.samples[table] { print("first \(table.entity) row: \(sample.firstRow)") }
                }
            }
            if !summary.succeeded { throw ExitCode(ExitStatus.failed) }
        }
    }
}
