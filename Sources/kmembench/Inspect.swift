import ArgumentParser
import Foundation
import KMem
import KMemHarness

/// `kmembench inspect`: builds a model kernel, runs a small exercise that touches every path
/// (pcp and zone, all orders, hardirq allocations, reclaim through a shrinker, kswapd; kmem
/// caches and kmalloc from process and interrupt context; vmalloc; per-CPU areas), and prints
/// its state in the shapes of /proc/buddyinfo, pagetypeinfo, zoneinfo, slabinfo, vmallocinfo
/// and vmstat, with the kernel log.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a small built-in exercise on the model kernel and print its statistics.")

    @Option(help: "Physical memory of the model (16M up to the machine's available memory).")
    var memory = ByteSize(argument: "256M")!

    @Option(help: "Per-CPU structures to create.")
    var cpus = CPU.configuredCount

    @Option(help: "Kernel profile: which per-CPU design and sheaf sizes caches get.")
    var kernel = KernelProfile.newest

    @Option(help: "Per-CPU slab design of every cache (default: the kernel profile's).")
    var percpu: PerCPUDesign?

    @Option(help: "slab_debug options for every cache: any of F, Z, P, U ('-' for none).")
    var debug = "-"

    @Flag(help: "Also run the full consistency check of every free list and validate every cache.")
    var check = false

    @Flag(help: "Also run the conservation audit after the exercise: page frames and slab objects per place, and any violation (exit 1 if one is found).")
    var audit = false

    @Flag(help: "Skip the exercise: print the state of a fresh model.")
    var fresh = false

    @Option(help: "Print, in /proc/zoneinfo's shape, the watermarks, protection and per-CPU list sizes the model computes for the zones of this zoneinfo file (its managed pages), without allocating that memory; then exit.")
    var zonesFrom: String?

    @Option(help: "min_free_kbytes for --zones-from (default: the kernel's formula over the file's zones).")
    var minFreeKbytes: Int?

    @Option(help: "Write a /sys/kernel/slab-shaped tree of the model's caches into this folder (one folder per cache, one file per attribute), to compare with the running kernel's.")
    var sysfsSlab: String?

    @Flag(help: "Measure what a locked exchange, the bare loop and a clock read cost on this machine, and what the harness adds to an operation (glibc pair through it against a plain C loop; floor pair), print them as Markdown table rows (medians, ns), and exit.")
    var costs = false

    func validate() throws {
        guard cpus >= 1 else { throw ValidationError("--cpus must be at least 1, got \(cpus)") }
        if let minFreeKbytes, minFreeKbytes < 128 || minFreeKbytes > 262_144 * 64 {
            throw ValidationError("--min-free-kbytes must be 128...\(262_144 * 64), got \(minFreeKbytes)")
        }
    }

    func run() throws {
        if costs {
            let harness = HarnessCost.measure()?.markdownRows ?? ["| harness cost | not measured: glibc's allocator could not be loaded |"]
            return print((MachineCosts.measure().markdownRows + harness).joined(separator: "\n"))
        }
        if let zonesFrom { return try printZones(from: zonesFrom) }
        var configuration = Kernel.Configuration()
        configuration.pages.memorySize = memory.bytes
        configuration.pages.cpus = cpus
        configuration.slab.profile = kernel
        configuration.slab.design = percpu
        let kernel = try makeKernel(configuration)
        if let sysfsSlab { try writeSysfsSlab(kernel, into: sysfsSlab) }
        if !fresh {
            try PageExercise(allocator: kernel.pages).run()
            try SlabExercise(kernel: kernel).run()
        }
        let stats = kernel.pages.statistics()
        print("== buddyinfo\n" + stats.buddyinfo)
        print("== pagetypeinfo\n" + stats.pagetypeinfo)
        print("== zoneinfo\n" + stats.zoneinfo)
        print("== slabinfo\n" + SlabAllocator.slabinfoText(kernel.slab.slabInfo()))
        print("== vmallocinfo\n" + kernel.vmalloc.vmallocinfo())
        let percpu = kernel.percpu.usage
        print("== percpu\nchunks \(percpu.chunks) unit_size \(kernel.percpu.unitSize) used_per_cpu \(percpu.usedBytesPerCPU)\n")
        print("== vmstat\n" + stats.vmstat)
        print("== cpu\nrseq \(CPU.usesRseq ? "yes" : "no (sched_getcpu)") cpus \(cpus)\n")
        let messages = kernel.log.entries()
        print("== kernel log (\(messages.count) recent)")
        for entry in messages { print(entry.message) }
        if check { try reportConsistency(kernel) }
        if audit { try reportAudit(kernel) }
    }

    func makeKernel(_ base: Kernel.Configuration) throws -> Kernel {
        var configuration = base
        do {
            configuration.slab.debug = try SlabFlags(debugOptions: debug)
            return try Kernel(configuration)
        } catch {
            throw ValidationError(error.description)
        }
    }

    func reportConsistency(_ kernel: Kernel) throws {
        let problems = kernel.pages.checkConsistency()
        let slabErrors = kernel.slab.allCaches.reduce(0) { $0 + $1.validate() }
        print("== consistency: " + (problems.isEmpty && slabErrors == 0 ? "ok"
                                    : "\(problems.count) free-list problems, \(slabErrors) slab errors"))
        for problem in problems { print(problem) }
        if !problems.isEmpty || slabErrors > 0 { throw ExitCode.failure }
    }
}

// The choices come from the cases: `--help` lists every design, and a new one is accepted at once.
extension PerCPUDesign: ExpressibleByArgument {}
extension KernelProfile: ExpressibleByArgument {}

extension Inspect {
    /// Every cache's attributes, written into a fresh folder; a folder that already has files
    /// is refused, so nothing of the user's is overwritten.
    func writeSysfsSlab(_ kernel: Kernel, into path: String) throws {
        let root = URL(fileURLWithPath: path)
        let manager = FileManager.default
        if let existing = try? manager.contentsOfDirectory(atPath: path), !existing.isEmpty {
            throw ValidationError("--sysfs-slab: \(path) is not empty; give a new or empty folder")
        }
        for cache in kernel.slab.allCaches {
            let folder = root.appendingPathComponent(cache.name)
            try manager.createDirectory(at: folder, withIntermediateDirectories: true)
            for (name, value) in cache.sysfsAttributes {
                try "\(value)\n".write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
            }
        }
        print("wrote \(kernel.slab.allCaches.count) caches into \(path)")
    }
}

extension Inspect {
    /// The model's zone setup for another machine's zones, in /proc/zoneinfo's shape.
    func printZones(from path: String) throws {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ValidationError("--zones-from: cannot read \(path): \(error.localizedDescription)")
        }
        let managed = try Zoneinfo.managedPages(text)
        let minFree = minFreeKbytes ?? PageAllocator.defaultMinFreeKbytes(lowmemPages: managed.reduce(0, +))
        let setups = PageAllocator.zoneSetup(managed: managed, minFreeKbytes: minFree, watermarkScaleFactor: 10, cpus: cpus)
        print("# the model's zone setup for \(path): min_free_kbytes \(minFree), watermark_scale_factor 10, \(cpus) CPUs")
        for (name, (pages, setup)) in zip(["DMA", "DMA32", "Normal"], zip(managed, setups)) where pages > 0 {
            print("Node 0, zone " + String(repeating: " ", count: 8 - name.count) + name)
            for (field, value) in [("min", setup.watermarks.min), ("low", setup.watermarks.low), ("high", setup.watermarks.high),
                                   ("managed", pages)] {
                print("        " + field + String(repeating: " ", count: 9 - field.count) + "\(value)")
            }
            print("        protection: (\(setup.protection.map(String.init).joined(separator: ", ")))")
            // Before the first allocation, as a fresh kernel shows them: empty lists, high 0.
            print("  pagesets")
            for cpu in 0..<cpus {
                print(PageAllocatorStatistics.pageset(cpu: cpu, count: 0, high: 0, batch: setup.batch,
                                                      highMin: setup.highMin, highMax: setup.highMax).joined(separator: "\n"))
            }
        }
    }
}

