/// Wolfram Gloger's lran2 (1996), the generator larson.cpp and xmalloc-test's random.h carry:
/// a linear congruential generator behind a 97-entry shuffle table. The ports use it rather
/// than `Random` because its cost (a table load and two divisions per number, plus the
/// caller's `%`) is part of the work the originals time between allocator calls.
struct Lran2 {
    static let maximum = 714_025
    private static let multiplier = 1366, increment = 150_889

    private var x, y: Int
    private var table = InlineArray<97, Int>(repeating: 0)

    /// lran2_init: `seed` as the originals pass it.
    init(seed: Int) {
        var x = (Self.increment - seed) % Self.maximum
        if x < 0 { x = -x }
        for index in 0..<97 {
            x = (Self.multiplier * x + Self.increment) % Self.maximum
            table[index] = x
        }
        self.x = (Self.multiplier * x + Self.increment) % Self.maximum
        y = self.x
    }

    /// lran2: a number in 0..<714025.
    @inline(__always)
    mutating func next() -> Int {
        let index = y % 97
        y = table[index]
        x = (Self.multiplier * x + Self.increment) % Self.maximum
        table[index] = x
        return y
    }
}
