import Testing

@testable import Deployer

@Suite("the release rollback goes to without --to")
struct RollbackTargetTests {
    @Test("the previous release when it passed here")
    func previousPassed() {
        #expect(
            RollbackTarget.choose(current: "c", previous: "b", present: ["a", "b", "c"], passed: ["a", "b"]) == "b")
    }

    @Test("after a deploy that failed and was rolled back, the newest other release that passed, not the failed one")
    func failedPreviousIsSkipped() {
        // a, then b deployed; c failed after its switch and was rolled back to b: b is current, c previous.
        let chosen = RollbackTarget.choose(
            current: "b", previous: "c", present: ["a", "b", "c"], passed: ["a", "b", "b"])
        #expect(chosen == "a")
        #expect(
            RollbackTarget.choose(current: "b", previous: "c", present: ["a", "b", "c"], passed: ["b", "a", "b"])
                == "a", "the newest that passed, by the audit's order")
    }

    @Test("a release that is no longer on the host is never chosen, nor one that never passed here")
    func absentOrNonePassed() {
        #expect(RollbackTarget.choose(current: "c", previous: "b", present: ["b", "c"], passed: ["a", "c"]) == nil)
        #expect(RollbackTarget.choose(current: "c", previous: nil, present: ["c"], passed: ["c"]) == nil)
    }
}
