import Environments
import Foundation
import Testbed
import Testing

@Suite("The catalog lists and loads the environments of a directory")
struct EnvironmentCatalogTests {
    /// The repository's own `environments/` directory.
    static let shippedDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("environments")
        .path

    static let loader = EnvironmentLoader(homeDirectory: "/home/tester")

    @Test("the shipped museshow environment is a systemd staging server")
    func shippedMuseshow() throws {
        let catalog = EnvironmentCatalog(directory: Self.shippedDirectory, loader: Self.loader)
        let environment = try catalog.load(name: "museshow")

        #expect(environment.role == .staging)
        #expect(environment.gate == nil)
        #expect(environment.hosts.map(\.name) == ["museshow"])
        #expect(environment.hosts[0].address == "203.0.113.10")
        #expect(environment.hosts[0].identityFile == "/home/tester/.ssh/id_ed25519")
        #expect(environment.clickhouse.runtime == .systemd(unit: "clickhouse-server.service"))
        #expect(environment.clickhouse.admin.password == .environment("CH_ADMIN_PASSWORD"))
        #expect(environment.app.root == "/opt/zakaz_dashboard")
    }

    @Test("the shipped client-prod environment runs ClickHouse in Docker and is gated on museshow")
    func shippedClientProd() throws {
        let catalog = EnvironmentCatalog(directory: Self.shippedDirectory, loader: Self.loader)
        let environment = try catalog.load(name: "client-prod")

        #expect(environment.role == .production)
        #expect(environment.gate == Environment.Gate(requirePassedOn: "museshow", maxReportAge: .seconds(72 * 3600)))
        #expect(environment.hosts.map(\.address) == ["198.51.100.20"])
        #expect(environment.hosts[0].port == 2222)
        #expect(environment.hosts[0].hostKeyFingerprint != nil)
        #expect(environment.clickhouse.runtime == .docker(container: "ch-zakaz"))
        #expect(
            environment.clickhouse.admin.password
                == .localFile("/home/tester/.config/deployctl/client-prod/ch_admin_password"))
    }

    @Test("the shipped files load on their own too")
    func shippedFilesLoadDirectly() throws {
        for name in ["museshow", "client-prod"] {
            let environment = try Self.loader.load(contentsOf: Self.shippedDirectory + "/\(name).toml")
            #expect(environment.name == name)
        }
    }

    @Test("names are the sorted .toml files, hidden and other files skipped")
    func names() throws {
        let directory = try TemporaryDirectory()
        try directory.write("", to: "zeta.toml")
        try directory.write("", to: "alpha.toml")
        try directory.write("", to: ".hidden.toml")
        try directory.write("", to: "README.md")
        #expect(try EnvironmentCatalog(directory: directory.path).names() == ["alpha", "zeta"])
    }

    @Test("an unknown name lists the available environments")
    func unknownName() throws {
        let directory = try TemporaryDirectory()
        try directory.write(EnvironmentDocument.minimal.description, to: "museshow.toml")
        try directory.write(EnvironmentDocument.minimal.description, to: "local.toml")
        let catalog = EnvironmentCatalog(directory: directory.path, loader: Self.loader)

        let error = try #require(throws: EnvironmentError.self) { try catalog.load(name: "prod") }
        #expect(error.code == .notFound)
        #expect(
            error.description == "\(directory.path)/prod.toml: no environment named 'prod'; available: local, museshow")
    }

    @Test("a missing directory is reported")
    func missingDirectory() throws {
        let error = try #require(throws: EnvironmentError.self) {
            try EnvironmentCatalog(directory: "/nonexistent/environments").names()
        }
        #expect(
            error.description
                == "/nonexistent/environments: no environments directory; create it with one <name>.toml file per environment"
        )
    }

    @Test("loadAll keeps broken files next to good ones")
    func loadAll() throws {
        let directory = try TemporaryDirectory()
        try directory.write(EnvironmentDocument.minimal.description, to: "museshow.toml")
        try directory.write(
            EnvironmentDocument.minimal.replacing(line: 1, with: #"role = "prod""#).description, to: "broken.toml")
        let catalog = EnvironmentCatalog(directory: directory.path, loader: Self.loader)

        let entries = try catalog.loadAll()
        #expect(entries.map(\.name) == ["broken", "museshow"])
        #expect(entries[0].path == "\(directory.path)/broken.toml")
        guard case .failure(let error) = entries[0].result else {
            Issue.record("broken.toml loaded")
            return
        }
        #expect(
            error.description
                == #"\#(directory.path)/broken.toml:1:1: role: expected "staging" or "production", found "prod""#)
        #expect((try? entries[1].result.get())?.name == "museshow")
    }

    @Test("a gate must name an environment of the catalog")
    func gateNamesUnknownEnvironment() throws {
        let directory = try TemporaryDirectory()
        try directory.write(EnvironmentDocument.minimal.description, to: "museshow.toml")
        let production = EnvironmentDocument.minimal
            .replacing(line: 1, with: #"role = "production""#)
            .appending("\n[gate]\nrequire_passed_on = \"musehow\"")
        try directory.write(production.description, to: "client-prod.toml")
        let catalog = EnvironmentCatalog(directory: directory.path, loader: Self.loader)

        let error = try #require(throws: EnvironmentError.self) { try catalog.load(name: "client-prod") }
        #expect(
            error.description
                == "\(directory.path)/client-prod.toml:28:1: gate.require_passed_on: there is no environment named 'musehow'; available: museshow"
        )
    }

    @Test("loading a file that does not exist is reported")
    func missingFile() throws {
        let error = try #require(throws: EnvironmentError.self) {
            try Environment.load(contentsOf: "/nonexistent/museshow.toml")
        }
        #expect(error.code == .notFound)
        #expect(error.description == "/nonexistent/museshow.toml: no such file")
    }
}
