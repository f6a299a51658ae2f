import Environments
import Foundation
import Testbed
import Testing

@Suite("Secret references are resolved on the workstation without ever showing the secret")
struct SecretReferenceTests {
    @Test("an environment variable that is set resolves to its value")
    func environmentSet() throws {
        let reference = SecretReference.environment("CH_ADMIN_PASSWORD")
        let value = "value-" + UUID().uuidString
        #expect(try reference.resolveLocally(environment: ["CH_ADMIN_PASSWORD": value]) == value)
    }

    @Test("an unset environment variable is a clear error")
    func environmentUnset() {
        let reference = SecretReference.environment("CH_ADMIN_PASSWORD")
        #expect(
            throws: SecretReference.ResolutionError(
                reference: reference,
                message:
                    "the environment variable CH_ADMIN_PASSWORD is not set; export it in the shell that runs deployctl"
            )
        ) {
            try reference.resolveLocally(environment: [:])
        }
    }

    @Test("an empty environment variable is an error")
    func environmentEmpty() throws {
        let reference = SecretReference.environment("CH_ADMIN_PASSWORD")
        let error = try #require(throws: SecretReference.ResolutionError.self) {
            try reference.resolveLocally(environment: ["CH_ADMIN_PASSWORD": ""])
        }
        #expect(
            error.description
                == "cannot read secret env:CH_ADMIN_PASSWORD: the environment variable CH_ADMIN_PASSWORD is set but empty"
        )
    }

    @Test("a file resolves to its contents without the trailing line break")
    func fileContents() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("s3cret pass\n", to: "ch_admin")
        #expect(try SecretReference.localFile(path).resolveLocally(environment: [:]) == "s3cret pass")
    }

    @Test("a missing or empty file is an error that names the file but not any content")
    func fileProblems() throws {
        let directory = try TemporaryDirectory()
        let missing = directory.path + "/missing"
        #expect(
            throws: SecretReference.ResolutionError(
                reference: .localFile(missing), message: "\(missing) does not exist")
        ) {
            try SecretReference.localFile(missing).resolveLocally()
        }
        let empty = try directory.write("\n", to: "empty")
        #expect(throws: SecretReference.ResolutionError(reference: .localFile(empty), message: "\(empty) is empty")) {
            try SecretReference.localFile(empty).resolveLocally()
        }
    }

    @Test("a remote file is left for the deployer to read over SSH")
    func remoteFile() throws {
        #expect(
            try SecretReference.remoteFile("/opt/zakaz_dashboard/secrets/ch").resolveLocally(environment: [:]) == nil)
    }

    @Test(
        "the description shows the reference, never a value",
        arguments: [
            (SecretReference.environment("CH_ADMIN_PASSWORD"), "env:CH_ADMIN_PASSWORD"),
            (.localFile("/home/tester/.config/ch"), "file:/home/tester/.config/ch"),
            (.remoteFile("/opt/secrets/ch"), "remote_file:/opt/secrets/ch"),
        ]
    )
    func description(reference: SecretReference, expected: String) {
        #expect(reference.description == expected)
        #expect("\(reference)" == expected)
    }
}
