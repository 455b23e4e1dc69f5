import Foundation
import KMem
@testable import KMemHarness
import KMemBaselines
import Testing

@Suite("trace replay", .serialized) struct TraceReplayTests {
    func syntheticFile(cpus: Int = 2, events: Int = 4000, seed: UInt64 = 3) throws -> String {
        try temporaryFile(TraceSynthesis.synthetic(cpus: cpus, events: events, seed: seed).encoded())
    }

    func kmem(_ parameters: String = "memory=256M") throws -> KMemEngine {
        try KMemEngine(ParameterValues(NamedSpec(parsing: "kmem:" + parameters, what: "engine"),
                                       schema: KMemEngine.parameters, what: "engine kmem"))
    }

    @Test("the operation count is the trace's replayable events times the passes: what a pass left live is freed uncounted")
    func operationCount() throws {
        let path = try syntheticFile()
        let trace = try Trace(contentsOf: path)
        let pairing = TracePairing(trace)
        let engine = RecordingEngine()
        let passes = 3
        let collected = try replay("trace:file=\(path)", on: engine, rounds: passes)
        let figures = collected.figures
        let replayed = Int(figures["replayed_events"]!)
        let paired = pairing.counts
        // Every allocation and every paired free of the trace is replayed: no event is lost.
        let allocations = trace.kindCounts[0] + trace.kindCounts[2] + trace.kindCounts[4] - paired.failedAllocations
        #expect(replayed == allocations + paired.pairedFrees)
        #expect(figures["passes"] == Double(passes))
        #expect(collected.counters.operations == (replayed + Int(figures["implied_frees"]!)) * passes)
        // The drains ran (the engine freed everything), but none of their frees counts.
        #expect(Int(figures["drain_frees"]!) == paired.liveAtEnd * passes)
        #expect(collected.uncounted.frees == Int(figures["drain_frees"]!) && collected.uncounted.allocations == 0)
        #expect(engine.frees.load(ordering: .relaxed) == collected.counters.frees + Int(figures["drain_frees"]!))
        #expect(engine.allocations.load(ordering: .relaxed) == collected.counters.allocations)
        #expect(engine.frees.load(ordering: .relaxed) == engine.allocations.load(ordering: .relaxed))
        #expect(figures["pre_recording_frees"] == 2 && figures["null_frees"] == 1)
    }

    @Test("the drains between passes are taken out of the timed window")
    func drainsAreNotTimed() throws {
        let path = try syntheticFile()
        let context = try replayContext("trace:file=\(path)", on: SlowFreeEngine(),
                                        options: CellOptions(threads: 2, rounds: 2, samplePeriod: 0))
        let drainFrees = context.figures["drain_frees"]!
        #expect(drainFrees > 0)
        // Each drain's stretch lasts at least its busiest worker's frees, at least the mean.
        #expect(Double(context.excludedNs) >= drainFrees / 2 * Double(SlowFreeEngine.freeNs))
        #expect(abs(context.seconds * 1e9 + Double(context.excludedNs) - Double(context.endNs - context.startNs)) < 1e3)
    }

    @Test("per traced CPU: its events, its operations in the window, its cross-CPU frees; on kmem its CPU's hit rate",
          arguments: [1, 2])
    func perCPUFigures(threads: Int) throws {
        let path = try syntheticFile(cpus: 4)
        let trace = try Trace(contentsOf: path)
        let pairing = TracePairing(trace)
        let recorded = try replay("trace:file=\(path)", on: RecordingEngine(), threads: threads, rounds: 2)
        var operations = 0
        for cpu in 0..<4 {
            #expect(recorded.figures["cpu.\(cpu).events"] == Double(trace.cpus[cpu].count))
            let frees = pairing.freesPerCPU[cpu]
            #expect(recorded.figures["cpu.\(cpu).cross_cpu_free_share"] == Double(frees.crossCPU) / Double(frees.paired))
            operations += Int(recorded.figures["cpu.\(cpu).ops"] ?? 0)
        }
        #expect(operations == recorded.counters.operations)
        let model = try replay("trace:file=\(path)", on: try kmem("memory=256M,fastpath=exchange"), threads: threads).figures
        for cpu in 0..<4 { #expect(model["cpu.\(cpu).hit_rate"].map { $0 > 0 && $0 <= 1 } == true) }
        // CPUs folded onto one worker share its model CPU.
        if threads == 2 { #expect(model["cpu.0.hit_rate"] == model["cpu.2.hit_rate"]) }
        // rseq counts by real CPU: a worker's own only when pinned.
        let pinned = try replayContext("trace:file=\(path)", on: try kmem(),
                                       options: CellOptions(threads: threads, rounds: 1, samplePeriod: 16, affinity: true))
        let pinnedFigures = pinned.collected.withLock { $0.figures }
        for cpu in 0..<4 { #expect(pinnedFigures["cpu.\(cpu).hit_rate"].map { $0 > 0 && $0 <= 1 } == true) }
        let unpinned = try replay("trace:file=\(path)", on: try kmem(), threads: threads).figures
        #expect((unpinned["cpu.0.hit_rate"] == nil) == PerCPUFastPath.rseqAvailable)
    }

    @Test("a timed replay's per-CPU operations add up to the cell's, whole passes or not")
    func perCPUOperationsTimed() throws {
        let path = try syntheticFile(cpus: 2, events: 20_000, seed: 5)
        let context = try replayContext("trace:file=\(path)", on: RecordingEngine(),
                                        options: CellOptions(threads: 2, duration: 0.3, warmup: 0.05, samplePeriod: 0))
        let counters = context.collected.withLock { $0.counters }
        let operations = (0..<2).reduce(0) { $0 + Int(context.figures["cpu.\($1).ops"] ?? 0) }
        #expect(counters.operations > 0 && operations == counters.operations)
    }

    @Test("a free never runs before its allocation, across CPUs and passes",
          arguments: ["", "loopback-http.kmt", "compile.kmt"])
    func freesFollowAllocations(file: String) throws {
        let path = file.isEmpty ? try syntheticFile(cpus: 2, events: 20_000, seed: 5) : traceData(file)
        let engine = OrderCheckingEngine()
        let collected = try replay("trace:file=\(path)", on: engine, rounds: 3)
        #expect(engine.violations.load(ordering: .relaxed) == 0)
        #expect(collected.counters.remoteFrees > 0)
        #expect(collected.figures["passes"] == 3)
        #expect(engine.live.withLock { $0.isEmpty })
    }

    @Test("every engine replays the same events")
    func sameEventsEverywhere() throws {
        let spec = "trace:file=\(traceData("git-log.kmt"))"
        var engines: [(String, AnyEngine)] = [("floor", .floor(FloorEngine()))]
        for design in ["slub", "sheaves", "bonwick"] { engines.append((design, .kmem(try kmem("memory=512M,percpu=\(design)")))) }
        for which in [BaselineAllocator.glibc, .mimalloc] where which.isInstalled {
            engines.append((which.rawValue, .baseline(try BaselineEngine(which))))
        }
        let instance = try WorkloadRegistry.instantiate(NamedSpec(parsing: spec, what: "workload"))
        var requests: [String: Int] = [:]
        for (name, engine) in engines {
            let context = WorkloadContext(options: CellOptions(threads: 2, rounds: 1, samplePeriod: 0))
            instance.run(engine, context)
            let counters = context.collected.withLock { $0.counters }
            requests[name] = counters.allocations + counters.failures
            #expect(counters.frees + Int(context.figures["drain_frees"]!) == counters.allocations, "\(name)")
        }
        #expect(Set(requests.values).count == 1, "\(requests)")
    }

    @Test("imported text replays on kmem without sleeping in atomic context (perf: GFP_ATOMIC in softirq)",
          arguments: ["perf-script.txt", "ftrace.txt"])
    func importedTextReplays(file: String) throws {
        let trace = try TraceTextImporter().importFile(traceData(file)).trace
        let path = try temporaryFile(trace.encoded())
        let engine = try kmem()
        let collected = try replay("trace:file=\(path)", on: engine)
        #expect(collected.counters.allocations > 0
                && collected.counters.frees + Int(collected.figures["drain_frees"]!) == collected.counters.allocations)
        #expect(engine.report().sleepViolations == 0)
    }

    @Test("the zone-lock comparison is computed from a trace with zone-locked events")
    func zoneLock() throws {
        let collected = try replay("trace:file=\(traceData("compile.kmt")),kinds=pages", on: try kmem("memory=512M"))
        let figures = collected.figures
        let kernel = KernelZoneLockShare(try Trace(contentsOf: traceData("compile.kmt")))
        #expect(figures["kernel_zone_lock_order0"] == kernel.order0Share)
        #expect(figures["kernel_zone_lock_pcp"] == kernel.pcpShare)
        let model = try #require(figures["model_zone_lock_pcp"])
        #expect(model > 0 && model < 1)
        #expect(figures.keys.allSatisfy { !$0.hasPrefix("cache.") }, "kinds=pages replays no caches")
    }

    @Test("per-cache figures for the busiest caches, with the model's hit rates on kmem")
    func cacheFigures() throws {
        let figures = try replay("trace:file=\(traceData("loopback-http.kmt")),kinds=slab", on: try kmem()).figures
        let events = figures.keys.filter { $0.hasPrefix("cache.") && $0.hasSuffix(".events") }
        #expect(events.count == ReplayModelFigures.busiest)
        #expect(figures["cache.vm_area_struct.hit_rate"].map { $0 > 0 && $0 <= 1 } == true)
        #expect(figures["kernel_zone_lock_pcp"] == nil, "kinds=slab replays no pages")
    }

    @Test("more traced CPUs than threads: folded by default, refused with fold=false")
    func moreCPUsThanThreads() throws {
        let path = try syntheticFile(cpus: 4)
        let collected = try replay("trace:file=\(path)", on: OrderCheckingEngine(), threads: 2)
        #expect(collected.figures["folded_cpus"] == 2)
        let refused = try WorkloadRegistry.instantiate(NamedSpec(parsing: "trace:file=\(path),fold=false", what: "workload"))
        #expect(refused.incompatibility(engineKinds: .all, engine: "kmem", threads: 2) == "the workload needs at least 4 threads")
        #expect(refused.incompatibility(engineKinds: .all, engine: "kmem", threads: 4) == nil)
    }

    @Test("paced replay keeps the recorded timing")
    func paced() throws {
        let path = try syntheticFile(events: 2000)
        let span = try Trace(contentsOf: path).timeSpan
        let spec = try NamedSpec(parsing: "trace:file=\(path),speed=paced", what: "workload")
        let context = WorkloadContext(options: CellOptions(threads: 2, rounds: 1, samplePeriod: 0))
        try WorkloadRegistry.instantiate(spec).run(.floor(FloorEngine()), context)
        #expect(context.seconds >= Double(span.end - span.start) / 1e9 * 0.95)
    }

    @Test("bad parameters are refused", arguments: BadReplaySpecs.cases.indices)
    func badSpecs(index: Int) {
        let (parameters, message) = BadReplaySpecs.cases[index]
        do {
            _ = try WorkloadRegistry.instantiate(NamedSpec(parsing: "trace:" + parameters, what: "workload"))
            Issue.record("\(parameters) was accepted")
        } catch {
            #expect(String(describing: error).contains(message), "\(String(describing: error))")
        }
    }

    @Test("an empty, damaged or text trace file is refused when the spec is checked")
    func emptyTraceRefused() throws {
        let empty = try temporaryFile(Trace(source: "empty", hasContext: false).encoded())
        #expect(throws: SpecError.self) { try WorkloadRegistry.instantiate(NamedSpec(parsing: "trace:file=\(empty)", what: "workload")) }
        var damaged = try #require(FileManager.default.contents(atPath: traceData("git-log.kmt")))
        damaged[damaged.count - 100] ^= 0x10
        let corrupt = try temporaryFile(Array(damaged))
        #expect(throws: SpecError.self) { try WorkloadRegistry.instantiate(NamedSpec(parsing: "trace:file=\(corrupt)", what: "workload")) }
        let text = try temporaryFile(Array("not a trace".utf8))
        #expect(throws: SpecError.self) { try WorkloadRegistry.instantiate(NamedSpec(parsing: "trace:file=\(text)", what: "workload")) }
    }
}

/// Replay parameters that must be refused, and the message each must give.
enum BadReplaySpecs {
    static let cases: [(String, String)] = [
        ("file=/nonexistent.kmt", "invalid value '/nonexistent.kmt' for workload trace parameter 'file'"),
        ("speed=fast", "invalid value 'fast' for workload trace parameter 'speed'"),
        ("speed=0", "invalid value '0'"),
        ("kinds=slab,pages", "malformed workload parameter 'pages'"),
    ]
}
