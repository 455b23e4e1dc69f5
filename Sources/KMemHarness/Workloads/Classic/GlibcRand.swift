/// glibc's rand() (random_r with the default TYPE_3 state: an additive feedback generator
/// r[i] = r[i-31] + r[i-3] over a Lehmer-seeded state, its first 310 outputs dropped), so a
/// port can draw the very numbers a C benchmark drew: the same seed gives the sequence
/// glibc's `srand(seed)` gives; an unseeded program runs on seed 1.
struct GlibcRand {
    private static let degree = 31, separation = 3
    /// r[i - 31 ... i - 1], r[i] at i % 31.
    private var ring = InlineArray<31, UInt32>(repeating: 0)
    private var index: Int

    init(seed: UInt32) {
        // srandom_r: a zero seed is taken as 1; r[i] = 16807 r[i-1] mod (2^31 - 1), Schrage's way.
        var word = Int32(bitPattern: seed == 0 ? 1 : seed)
        ring[0] = UInt32(bitPattern: word)
        for position in 1..<Self.degree {
            let high = word / 127_773, low = word % 127_773
            word = 16807 &* low &- 2836 &* high
            if word < 0 { word &+= 2_147_483_647 }
            ring[position] = UInt32(bitPattern: word)
        }
        // r[31...33] are copies of r[0...2], already in their slots.
        index = Self.degree + Self.separation
        for _ in 0..<(Self.degree * 10) { _ = next() }
    }

    /// The next rand() value, in 0...RAND_MAX (2^31 - 1).
    mutating func next() -> Int32 {
        let slot = index % Self.degree
        ring[slot] = ring[slot] &+ ring[(index - Self.separation) % Self.degree]
        index += 1
        return Int32(bitPattern: ring[slot] >> 1)
    }
}
