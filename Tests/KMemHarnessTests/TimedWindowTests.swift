@testable import KMemHarness
import Testing

/// What a driver counts: in a timed cell only what it did while it saw the window open; in a
/// rounds cell everything.
@Suite("timed window") struct TimedWindowTests {
    func pair(_ driver: inout Driver<FloorWorker>) {
        if let block = driver.allocObject(size: 64) { driver.freeObject(block, size: 64) }
    }

    @Test("a timed cell counts what a driver did after it saw the window open, and no setup")
    func timedCell() {
        let engine = FloorEngine()
        let context = WorkloadContext(options: CellOptions(threads: 1, duration: 1))
        var setup = context.makeSideDriver(engine, cpu: 0, index: 0)
        pair(&setup)
        #expect(setup.windowCounters.operations == 0)
        var device = context.makeSideDriver(engine, cpu: 0, index: 1)
        device.notePhase()
        pair(&device) // warm-up
        context.control.enter(RunControl.timed)
        device.notePhase()
        pair(&device)
        pair(&device)
        context.control.enter(RunControl.stopped)
        device.notePhase()
        pair(&device) // teardown
        #expect(device.windowCounters.operations == 4 && device.counters.operations == 8)
        context.collect(engine, &setup)
        context.collect(engine, &device)
    }

    @Test("a rounds cell counts everything, checked or not")
    func roundsCell() {
        let engine = FloorEngine()
        let context = WorkloadContext(options: CellOptions(threads: 1, rounds: 10))
        var driver = context.makeSideDriver(engine, cpu: 0, index: 0)
        pair(&driver)
        #expect(driver.windowCounters.operations == 2)
        context.collect(engine, &driver)
    }
}
