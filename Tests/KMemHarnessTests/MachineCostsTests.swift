@testable import KMemHarness
import Testing

@Suite("machine costs") struct MachineCostsTests {
    @Test("a locked exchange costs more than the bare loop; every figure is positive and printed as a table row")
    func measured() {
        let costs = MachineCosts.measure(iterations: 200_000, repeats: 3)
        #expect(costs.plainStoreNs > 0 && costs.clockReadNs > 0)
        #expect(costs.lockedExchangeNs > costs.plainStoreNs)
        #expect(costs.markdownRows.count == 3 && costs.markdownRows.allSatisfy { $0.hasPrefix("| ") && $0.hasSuffix(" ns |") })
    }
}
