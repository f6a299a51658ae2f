import QTicketsAPI

/// Orders and their tickets on their way into ClickHouse: encoded into a batch, inserted while
/// the next pages are fetched, one batch at a time and in order, tickets before orders. So the
/// orders table only ever holds orders whose tickets are stored, and `max(order_id)` is the end
/// of a complete batch.
actor OrderBatches {
    struct Committed {
        var orders = 0
        var tickets = 0
        var lastOrderID: Int64?
    }

    private let sink: any RowSink
    private let batchOrders: Int
    private let runID: String
    private var rows: StagingRows
    private var lastOrderID: Int64?
    private var inFlight: Task<Committed, any Error>?
    private(set) var committed = Committed()

    init(sink: any RowSink, batchOrders: Int, runID: String) {
        self.sink = sink
        self.batchOrders = batchOrders
        self.runID = runID
        self.rows = StagingRows(runID: runID)
    }

    func add(_ orders: [Order], version: Instant) async throws(LoaderError) {
        for order in orders {
            rows.add(order, version: version)
            lastOrderID = max(lastOrderID ?? order.id, order.id)
        }
        if rows.orders.rows >= batchOrders { try await flush() }
    }

    /// Starts inserting what is buffered, once the previous batch is in.
    func flush() async throws(LoaderError) {
        guard rows.orders.rows > 0 else { return }
        try await awaitInFlight()
        let batch = rows
        let last = lastOrderID
        let sink = self.sink
        rows = StagingRows(runID: runID)
        inFlight = Task {
            try await sink.write(.tickets, batch.tickets)
            try await sink.write(.orders, batch.orders)
            return Committed(orders: batch.orders.rows, tickets: batch.tickets.rows, lastOrderID: last)
        }
    }

    /// Inserts everything buffered and waits for it.
    func drain() async throws(LoaderError) {
        try await flush()
        try await awaitInFlight()
    }

    private func awaitInFlight() async throws(LoaderError) {
        guard let task = inFlight else { return }
        inFlight = nil
        do {
            let batch = try await task.value
            committed.orders += batch.orders
            committed.tickets += batch.tickets
            if let last = batch.lastOrderID { committed.lastOrderID = max(committed.lastOrderID ?? last, last) }
        } catch let error as LoaderError {
            throw error
        } catch {
            throw LoaderError(stage: "inserting orders", message: "\(error)", cause: .data)
        }
    }
}
