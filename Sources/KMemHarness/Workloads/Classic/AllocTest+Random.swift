/// alloc-test's random choices, as allocator_tester.h makes them: its PRNG, its size classes
/// (calcSizeWithStatsAdjustment) and its Pareto 80/20 choice of slot (Pareto_80_20_6).
extension AllocTest {
    /// The tester's PRNG (a xorshift with a multiplied output, after Arvid Gerstmann).
    struct Random {
        var state: UInt64

        mutating func next32() -> UInt32 {
            let result = state &* 0xd989_bcac_c137_dcd5
            state ^= state >> 11
            state ^= state << 31
            state ^= state >> 18
            return UInt32(truncatingIfNeeded: result >> 32)
        }

        mutating func next64() -> UInt64 {
            let high = UInt64(next32()) << 32
            return high &+ UInt64(next32())
        }
    }

    /// calcSizeWithStatsAdjustment: the low (exponent - 3) bits, plus one, pick a power-of-two
    /// class by their trailing zeros (class k with probability 2^-(k+1), the last two
    /// 2^-(exponent-3) each), the rest a size inside it: 2^(k+2) + 1 ... 2^(k+3) bytes.
    /// Exponent 10 gives 5..1024 bytes, half of them 5..8.
    static func size(_ random: UInt64, exponent: Int) -> Int {
        let classBits = exponent - 3
        let classBase = UInt32(truncatingIfNeeded: random & (1 << classBits - 1)) + 1
        let shift = classBase.trailingZeroBitCount + 2
        let rest = random >> classBits
        return Int(truncatingIfNeeded: rest & (1 << shift - 1)) + 1 + 1 << shift
    }

    /// Pareto_80_20_6: slots split into seven ranges of 0.0064%, 0.15%, 1.5%, 8.2%, 24.6%,
    /// 39.3% and the rest (26.2%) of the slots, chosen with probabilities 26.2%, 39.3%, 24.6%,
    /// 8.2%, 1.5%, 0.15% and 0.0064%: the fewest slots take the most replacements.
    struct Pareto {
        static let weights: InlineArray<7, Double> = [0.262144, 0.393216, 0.245760, 0.081920, 0.015360, 0.001536,
                                                      0.000064]
        /// Fewer slots leave the smallest range empty (the original then divides by zero).
        static let minimumSlots = 16384
        /// rnum1 below thresholds[r] (and not below an earlier one) picks range r; else range 6.
        var thresholds = InlineArray<6, UInt32>(repeating: 0)
        /// Range r is slots offsets[r] ..< offsets[r + 1].
        var offsets = InlineArray<8, UInt32>(repeating: 0)

        init(slots: Int) {
            precondition(slots >= Self.minimumSlots, "alloc-test: \(slots) slots leave a Pareto range empty")
            thresholds[0] = UInt32(Double(UInt32.max) * Self.weights[0])
            for range in 1..<5 { thresholds[range] = thresholds[range - 1] &+ UInt32(Double(UInt32.max) * Self.weights[range]) }
            thresholds[5] = UInt32(Double(UInt32.max) * (1 - Self.weights[6]))
            for range in 0..<6 { offsets[range + 1] = offsets[range] + UInt32(Double(slots) * Self.weights[6 - range]) }
            offsets[7] = UInt32(slots)
        }

        /// The slot for two random numbers: the first picks the range, the second the slot in it.
        @inline(__always)
        func slot(_ first: UInt32, _ second: UInt32) -> Int {
            var range = 0
            while range < 6 && first >= thresholds[range] { range += 1 }
            return Int(offsets[range] + second % (offsets[range + 1] - offsets[range]))
        }
    }
}
