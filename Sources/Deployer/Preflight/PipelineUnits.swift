/// The systemd units of the QTickets pipeline that deployctl installs and watches.
public enum PipelineUnits {
    /// Unit file names, in the order they are reported.
    public static let names = ["qtickets_api.service", "qtickets_api.timer", "qtickets_healthcheck.service"]
}
