/// An age in seconds the way people read it: `45s`, `12m`, `3h 5m`, `2d 4h`. Negative ages (a time
/// in the future, which means a clock or time zone is wrong) keep their sign.
struct AgeText: CustomStringConvertible {
    let seconds: Int64

    init(_ seconds: Int64) { self.seconds = seconds }

    var description: String {
        if seconds < 0 { return "-" + AgeText(-seconds).description }
        let (days, hours, minutes) = (seconds / 86_400, seconds % 86_400 / 3600, seconds % 3600 / 60)
        if days > 0 { return hours > 0 ? "\(days)d \(hours)h" : "\(days)d" }
        if hours > 0 { return minutes > 0 ? "\(hours)h \(minutes)m" : "\(hours)h" }
        if minutes > 0 { return "\(minutes)m" }
        return "\(seconds)s"
    }
}
