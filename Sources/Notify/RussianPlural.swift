/// Russian noun forms after a number: 1 проблема, 2 проблемы, 5 проблем, 21 проблема, 11 проблем.
enum RussianPlural {
    /// `count` followed by the form of the noun phrase it takes.
    static func count(_ count: Int, _ one: String, _ few: String, _ many: String) -> String {
        let lastTwo = abs(count) % 100
        let last = lastTwo % 10
        let form: String
        if (11...14).contains(lastTwo) {
            form = many
        } else if last == 1 {
            form = one
        } else if (2...4).contains(last) {
            form = few
        } else {
            form = many
        }
        return "\(count) \(form)"
    }
}
