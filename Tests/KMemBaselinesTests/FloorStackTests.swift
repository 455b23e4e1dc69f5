import KMemBaselines
import Testing

@Suite struct FloorStackTests {
    @Test func popsWhatWasPushedLastFirst() throws {
        var stack = FloorStack(objectSize: 64, capacity: 4)
        defer { stack.deallocate() }
        let first = stack.pop(), second = stack.pop()
        let a = try #require(first)
        let b = try #require(second)
        #expect(a != b)
        stack.push(a)
        stack.push(b)
        #expect(stack.pop() == b)
        #expect(stack.pop() == a)
    }

    @Test func isEmptyAfterCapacityPops() {
        var stack = FloorStack(objectSize: 24, capacity: 3)
        defer { stack.deallocate() }
        var blocks: Set<UnsafeMutableRawPointer> = []
        while let block = stack.pop() {
            #expect(Int(bitPattern: block) % 16 == 0)
            block.storeBytes(of: 0, toByteOffset: stack.objectSize - 8, as: Int.self)
            blocks.insert(block)
        }
        #expect(blocks.count == 3)
        #expect(stack.pop() == nil)
        #expect(stack.available == 0)
    }
}
