import ArgumentParser

extension Deployctl {
    struct Secrets: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Put the pipeline's env file on the hosts, or check the one there; values are never printed or logged.",
            subcommands: [SecretsPush.self, SecretsCheck.self])
    }
}
