import Foundation
import Testbed
import Verify

/// The repository's own `checks/smoke`.
extension SmokeCheck {
    static let directory = Testbed.repository.appendingPathComponent("checks/smoke").path

    static func all() throws -> [SmokeCheck] {
        try load(from: directory)
    }

    static func named(_ name: String) throws -> SmokeCheck {
        guard let check = try all().first(where: { $0.name == name }) else {
            throw SmokeCheckFailure(description: "checks/smoke/\(name).sql does not exist")
        }
        return check
    }
}
