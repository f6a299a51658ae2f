/// Fake buyers and sales sites. Names are common Russian first names and surnames, e-mail
/// addresses use the reserved `example.org` domain: nothing here is real data.
enum ClientDirectory {
    static let sites: [(id: Int, host: String)] = [
        (11, "tickets.example.com"), (12, "widget.example.org"), (13, "afisha.example.net"),
    ]
    static let names = ["Анна", "Иван", "Мария", "Сергей", "Ольга", "Дмитрий", "Елена", "Алексей", "Наталья", "Павел"]
    static let surnames = ["Иванова", "Петров", "Смирнова", "Кузнецов", "Попова", "Соколов", "Лебедева", "Козлов"]
    static let middlenames = ["Андреевна", "Игоревич", "Сергеевна", "Петрович"]

    struct Client {
        let id: Int
        let email: String
        let name: String
        let surname: String?
        let middlename: String?
        let phone: String
    }

    static func client(_ id: Int, seed: UInt64) -> Client {
        var random = SplitMix64(seed: seed, stream: RandomStream.client.rawValue, index: UInt64(id))
        let phone = "+79" + String(100_000_000 + random.below(900_000_000))
        return Client(
            id: id, email: "buyer\(id)@example.org", name: random.pick(names),
            surname: random.percent(70) ? random.pick(surnames) : nil,
            middlename: random.percent(10) ? random.pick(middlenames) : nil, phone: phone)
    }
}
