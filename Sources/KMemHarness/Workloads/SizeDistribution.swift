import Foundation

/// Request sizes a workload draws from. Drawing is a table look-up: `SizeTable` fills 4096
/// entries from the distribution once per thread (from its seed), so the hot loop pays one
/// random number and one load, whatever the distribution's maths.
public enum SizeDistribution: Sendable {
    case fixed(Int)
    /// Uniform in a closed byte range.
    case uniform(ClosedRange<Int>)
    /// P(size) proportional to 1/size^2 (glibc's benchmarks).
    case inverseSquare(ClosedRange<Int>)
    /// Pareto with shape `alpha` starting at the range's lower bound, cut at its upper one.
    case pareto(alpha: Double, ClosedRange<Int>)
    /// 2^k bytes, k uniform in a range of shifts.
    case powerOfTwo(ClosedRange<Int>)
    /// Given sizes with relative weights.
    case weighted([(size: Int, weight: Double)])

    func draw(_ random: inout Random) -> Int {
        switch self {
        case .fixed(let size):
            return size
        case .uniform(let range):
            return range.lowerBound + random.below(range.count)
        case .inverseSquare(let range):
            // Inverse CDF of 1/x^2 on [a, b]: x = 1 / (1/a - u (1/a - 1/b)).
            let a = Double(range.lowerBound), b = Double(range.upperBound)
            let x = 1 / (1 / a - random.unit() * (1 / a - 1 / b))
            return min(range.upperBound, max(range.lowerBound, Int(x)))
        case .pareto(let alpha, let range):
            let x = Double(range.lowerBound) / pow(1 - random.unit(), 1 / alpha)
            return min(range.upperBound, Int(x))
        case .powerOfTwo(let shifts):
            return 1 << (shifts.lowerBound + random.below(shifts.count))
        case .weighted(let table):
            var point = random.unit() * table.reduce(0) { $0 + $1.weight }
            for entry in table {
                point -= entry.weight
                if point < 0 { return entry.size }
            }
            return table.last!.size
        }
    }
}

/// 4096 sizes drawn from a distribution, indexed by random numbers on the hot path.
public struct SizeTable {
    @usableFromInline static let mask = 4095
    @usableFromInline let sizes: UnsafeMutablePointer<Int>

    /// A table owned by the caller: call `deallocate()` when the thread is done.
    public init(_ distribution: SizeDistribution, random: inout Random) {
        sizes = .harnessAllocate(capacity: Self.mask + 1)
        for index in 0...Self.mask { sizes[index] = distribution.draw(&random) }
    }

    @inlinable
    public func draw(_ random: inout Random) -> Int { sizes[Int(truncatingIfNeeded: random.next()) & Self.mask] }

    /// The size at a position (for workloads that walk sizes in order).
    @inlinable
    public subscript(position: Int) -> Int { sizes[position & Self.mask] }

    public func deallocate() { sizes.harnessDeallocate() }
}
