import ArgumentParser
import QTicketsAPI
import QTicketsLoader

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension QTicketsAPICommand {
    struct CheckAPI: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check-api",
            abstract: "Whether the API is reachable from this host, the token valid and the JSON-body filters applied.")

        @OptionGroup var options: ConfigurationOptions

        func run() async throws {
            let configuration = try options.load()
            var retry = configuration
            retry.retry = RetryPolicy(maxAttempts: 2)
            let report = await APIProbe(client: retry.apiClient()).run()
            for line in report.lines { print(line) }
            if !report.passed { throw ExitCode(ExitStatus.failed) }
        }
    }
}
