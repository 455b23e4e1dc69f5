/// The places an audit meets, by name, each with an index (in the order met) and a count of
/// what it holds.
struct PlaceTable {
    private(set) var names: [String] = []
    private(set) var counts: [Int] = []
    private var indices: [String: Int] = [:]

    init(_ first: String? = nil) { if let first { _ = index(first) } }

    /// The index of a place, made on first use.
    mutating func index(_ name: String) -> Int {
        if let index = indices[name] { return index }
        names.append(name)
        counts.append(0)
        indices[name] = names.count - 1
        return names.count - 1
    }

    mutating func count(_ index: Int) { counts[index] += 1 }

    func count(of name: String) -> Int { indices[name].map { counts[$0] } ?? 0 }
}
