// swift-tools-version:6.0
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "deployctl",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "deployctl", targets: ["deployctl"]),
        .library(name: "SSH", targets: ["SSH"]),
        .library(name: "Environments", targets: ["Environments"]),
        .library(name: "ClickHouse", targets: ["ClickHouse"]),
        .library(name: "Migrator", targets: ["Migrator"]),
        .library(name: "Console", targets: ["Console"]),
        .library(name: "Verify", targets: ["Verify"]),
        .library(name: "Deployer", targets: ["Deployer"]),
        .library(name: "HostScripts", targets: ["HostScripts"]),
        .library(name: "AuditTrail", targets: ["AuditTrail"]),
        .library(name: "Testbed", targets: ["Testbed"]),
        .executable(name: "qtickets-api", targets: ["qtickets-api"]),
        .library(name: "HTTPServer", targets: ["HTTPServer"]),
        .library(name: "QTicketsSimulator", targets: ["QTicketsSimulator"]),
        .executable(name: "qtickets-sim", targets: ["qtickets-sim"]),
        .library(name: "Healthcheck", targets: ["Healthcheck"]),
        .library(name: "Notify", targets: ["Notify"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibSSH2",
            pkgConfig: "libssh2",
            providers: [.apt(["libssh2-1-dev"]), .brew(["libssh2"])]
        ),
        .target(
            name: "SSH",
            dependencies: [
                "CLibSSH2",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Environments",
            dependencies: [.product(name: "TOMLKit", package: "TOMLKit")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TextSupport",
            swiftSettings: swiftSettings
        ),
        // The pipeline's env file as systemd's EnvironmentFile= reads it: the loader's settings,
        // and the secrets deployctl hides in what it prints.
        .target(
            name: "EnvFile",
            dependencies: ["TextSupport"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ClickHouse",
            dependencies: [
                "TextSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Migrator",
            dependencies: [
                "ClickHouse",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Console",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AuditTrail",
            swiftSettings: swiftSettings
        ),
        .plugin(name: "EmbedHostScripts", capability: .buildTool()),
        .target(
            name: "HostScripts",
            dependencies: ["SSH", "Console"],
            swiftSettings: swiftSettings,
            plugins: ["EmbedHostScripts"]
        ),
        .target(
            name: "Deployer",
            dependencies: [
                "SSH", "Environments", "ClickHouse", "Migrator", "Console", "Verify", "HostScripts", "AuditTrail",
                "EnvFile",
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "QTicketsAPI",
            dependencies: [
                "TextSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "QTicketsLoader",
            dependencies: [
                "QTicketsAPI", "ClickHouse", "TextSupport", "EnvFile",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "qtickets-api",
            dependencies: [
                "QTicketsLoader", "QTicketsAPI", "ClickHouse", "Healthcheck", "HTTPServer", "TextSupport", "EnvFile",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Healthcheck",
            dependencies: [
                "ClickHouse", "HTTPServer", "TextSupport",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Verify",
            dependencies: [
                "SSH", "ClickHouse", "Migrator", "Environments", "Console", "HostScripts", "AuditTrail", "Healthcheck",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Notify",
            dependencies: [
                "Environments",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Testbed",
            dependencies: ["SSH", "ClickHouse", "Migrator"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "HTTPServer",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "QTicketsSimulator",
            dependencies: [
                "HTTPServer",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "qtickets-sim",
            dependencies: [
                "QTicketsSimulator", "HTTPServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "deployctl",
            dependencies: [
                "Deployer", "Console", "Environments", "SSH", "ClickHouse", "Migrator", "Verify", "Notify",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "deployctl-bench",
            dependencies: ["SSH", "Testbed", "ClickHouse", "Migrator", "QTicketsSimulator"],
            path: "Benchmarks/deployctl-bench",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HostScriptTests",
            dependencies: ["HostScripts", "SSH", "Testbed"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SSHTests",
            dependencies: ["SSH", "Testbed", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ClickHouseTests",
            dependencies: ["ClickHouse", "Testbed"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MigratorTests",
            dependencies: ["Migrator", "ClickHouse", "Testbed"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EnvironmentsTests",
            dependencies: ["Environments", "Testbed"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NotifyTests",
            dependencies: [
                "Notify", "Environments", "HTTPServer",
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "QTicketsLoaderTests",
            dependencies: [
                "QTicketsLoader", "QTicketsAPI", "QTicketsSimulator", "ClickHouse", "Migrator", "Testbed", "SSH",
                "Deployer", "EnvFile",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "QTicketsSimulatorTests",
            dependencies: [
                "QTicketsSimulator", "HTTPServer",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PipelineUnitTests",
            dependencies: ["SSH", "Testbed", "Healthcheck", "Deployer"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SmokeCheckTests",
            dependencies: ["ClickHouse", "Migrator", "Testbed", "Verify"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HealthcheckTests",
            dependencies: ["Healthcheck", "ClickHouse", "Testbed"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DeployerTests",
            dependencies: ["Deployer", "AuditTrail", "Console", "Environments", "SSH", "ClickHouse", "Testbed"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DeployctlTests",
            dependencies: ["Testbed", "SSH", "ClickHouse", "QTicketsSimulator", "HTTPServer"],
            swiftSettings: swiftSettings
        ),
    ]
)
