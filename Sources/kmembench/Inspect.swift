import ArgumentParser
import Foundation
import KMem

/// `kmembench inspect`: builds a model kernel, runs a small exercise that touches every path
/// (pcp and zone, all orders, hardirq allocations, reclaim through a shrinker, kswapd), and
/// prints its state in the shapes of /proc/buddyinfo, pagetypeinfo, zoneinfo and vmstat.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a small built-in exercise on the model kernel and print its statistics.")

    @Option(help: "Physical memory of the model (16M up to the machine's available memory).")
    var memory = ByteSize(argument: "256M")!

    @Option(help: "Per-CPU structures to create.")
    var cpus = CPU.configuredCount

    @Flag(help: "Also run the full consistency check of every free list.")
    var check = false

    @Flag(help: "Skip the exercise: print the state of a fresh model.")
    var fresh = false

    func validate() throws {
        guard cpus >= 1 else { throw ValidationError("--cpus must be at least 1, got \(cpus)") }
    }

    func run() throws {
        var configuration = PageAllocator.Configuration()
        configuration.memorySize = memory.bytes
        configuration.cpus = cpus
        let allocator: PageAllocator
        do { allocator = try PageAllocator(configuration) } catch {
            throw ValidationError(error.description)
        }
        if !fresh { try PageExercise(allocator: allocator).run() }
        let stats = allocator.statistics()
        print("== buddyinfo\n" + stats.buddyinfo)
        print("== pagetypeinfo\n" + stats.pagetypeinfo)
        print("== zoneinfo\n" + stats.zoneinfo)
        print("== vmstat\n" + stats.vmstat)
        let messages = allocator.log.entries()
        print("== kernel log (\(messages.count) recent)")
        for entry in messages { print(entry.message) }
        if check {
            let problems = allocator.checkConsistency()
            print("== consistency: " + (problems.isEmpty ? "ok" : "\(problems.count) problems"))
            for problem in problems { print(problem) }
            if !problems.isEmpty { throw ExitCode.failure }
        }
    }
}
