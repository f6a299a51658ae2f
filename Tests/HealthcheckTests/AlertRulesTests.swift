import Foundation
import Testbed
import Testing

/// The README's "Metrics" subsection: its scrape config and alert rules, as Prometheus reads them.
enum ReadmeMetrics {
    static let rulesFile = Testbed.repository.appendingPathComponent("docs/prometheus/alerts.yml").path
    static let rulesTestFile = Testbed.repository.appendingPathComponent("docs/prometheus/alerts.test.yml").path

    /// The fenced `yaml` blocks of the README's "### Metrics" subsection, in order.
    static func yamlBlocks() throws -> [String] {
        let readme = try String(
            contentsOf: Testbed.repository.appendingPathComponent("README.md"), encoding: .utf8)
        guard let start = readme.range(of: "\n### Metrics\n") else { return [] }
        let section = readme[start.upperBound...]
        let end = section.range(of: "\n## ")?.lowerBound ?? section.endIndex
        var blocks: [String] = []
        var current: [Substring]?
        for line in section[..<end].split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil, line == "```yaml" {
                current = []
            } else if current != nil, line == "```" {
                blocks.append((current ?? []).joined(separator: "\n") + "\n")
                current = nil
            } else {
                current?.append(line)
            }
        }
        return blocks
    }
}

@Suite("The README's Prometheus scrape config and alert rules")
struct AlertRulesTests {
    @Test("the README shows docs/prometheus/alerts.yml as it is, after a scrape config")
    func readmeShowsTheFile() throws {
        let blocks = try ReadmeMetrics.yamlBlocks()
        #expect(blocks.count == 2, "a scrape config and the rules")
        #expect(blocks.first?.contains("scrape_configs:") == true)
        #expect(blocks.last == (try String(contentsOfFile: ReadmeMetrics.rulesFile, encoding: .utf8)))
    }

    @Test(
        "promtool accepts the rules and the scrape config, and the three alerts fire on their series and not before (needs promtool, from Debian's prometheus)"
    )
    func promtool() throws {
        let rules = try PrometheusTools.promtool(["check", "rules", ReadmeMetrics.rulesFile])
        #expect(rules.status == 0 && rules.stdout.contains("SUCCESS: 3 rules found"), "\(rules.stdout)\(rules.stderr)")
        let unitTests = try PrometheusTools.promtool(["test", "rules", ReadmeMetrics.rulesTestFile])
        #expect(unitTests.status == 0, "\(unitTests.stdout)\(unitTests.stderr)")

        let blocks = try ReadmeMetrics.yamlBlocks()
        let folder = try TemporaryDirectory("prometheus-config")
        let config = try folder.write(try #require(blocks.first), to: "prometheus.yml")
        try folder.write(try #require(blocks.last), to: "qtickets_api.rules.yml")
        let check = try PrometheusTools.promtool(["check", "config", config])
        #expect(check.status == 0 && check.stdout.contains("SUCCESS"), "\(check.stdout)\(check.stderr)")
    }

    @Test("promtool test rules notices an alert that does not fire as expected (needs promtool)")
    func promtoolNoticesAWrongExpectation() throws {
        let folder = try TemporaryDirectory("prometheus-rules")
        try folder.write(try String(contentsOfFile: ReadmeMetrics.rulesFile, encoding: .utf8), to: "alerts.yml")
        let expectations = try String(contentsOfFile: ReadmeMetrics.rulesTestFile, encoding: .utf8)
        let wrong = try folder.write(
            expectations.replacingOccurrences(of: "eval_time: 44m", with: "eval_time: 46m"), to: "alerts.test.yml")
        let run = try PrometheusTools.promtool(["test", "rules", wrong])
        #expect(run.status != 0 && (run.stdout + run.stderr).contains("QTicketsNoRun"), "\(run.stdout)\(run.stderr)")
    }
}
