import ArgumentParser

/// `--lock-wait` for the commands that migrate as one step of a deploy (`deploy`, `rollback`).
struct MigrationLockWaitOptions: ParsableArguments {
    @Option(
        name: .customLong("lock-wait"),
        help: "Seconds the migrations wait for another run's migration lock before giving up (default 60).")
    var lockWait = 60

    var wait: Duration { .seconds(lockWait) }
}
