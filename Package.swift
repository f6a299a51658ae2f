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
        .library(name: "Deployer", targets: ["Deployer"]),
        .library(name: "Testbed", targets: ["Testbed"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
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
            name: "Deployer",
            dependencies: ["SSH", "Environments"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Testbed",
            dependencies: ["SSH", "Environments"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "deployctl",
            dependencies: [
                "Deployer", "Environments", "SSH",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "deployctl-bench",
            dependencies: ["SSH", "Testbed"],
            path: "Benchmarks/deployctl-bench",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SSHTests",
            dependencies: ["SSH", "Testbed"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EnvironmentsTests",
            dependencies: ["Environments"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DeployctlTests",
            dependencies: ["Deployer", "Environments", "Testbed"],
            swiftSettings: swiftSettings
        ),
    ]
)
