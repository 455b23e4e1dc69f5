import Foundation
@testable import KMem
import Testing

/// The model's caches against /sys/kernel/slab: a snapshot of a 6.18 machine committed beside
/// this file, and the running kernel when it is readable and has as many CPUs as the model.
@Suite("against the live kernel") struct LiveKernelTests {
    typealias Attributes = [String: [String: Int]]

    /// Where the model departs, and why; the test fails when one of these stops being a
    /// difference as well as when a new one appears.
    static let knownDifferences: [String: String] = [
        // 6.18 keeps SLUB's CPU slabs beneath a cache's sheaves; the model's sheaves refill
        // straight from the node's partial slabs, so such a cache has no cpu_partial.
        "maple_node.cpu_partial": "sheaves over CPU slabs",
        "vm_area_struct.cpu_partial": "sheaves over CPU slabs",
    ]

    /// The caches a 6.18 kernel makes that the model compares: kmalloc's (made at boot) and
    /// the two that ask for sheaves, created as mm/ creates them.
    func model(cpus: Int) throws -> Attributes {
        var configuration = Kernel.Configuration()
        configuration.pages.memorySize = 64 << 20
        configuration.pages.cpus = cpus
        configuration.pages.kswapd = false
        configuration.slab.profile = .v6_18
        configuration.slab.reapInterval = nil
        let kernel = try Kernel(configuration)
        _ = try kernel.slab.kmemCacheCreate("maple_node", size: 256, align: 256, sheafCapacity: 32)
        _ = try kernel.slab.kmemCacheCreate("vm_area_struct", size: 192, flags: .hwcacheAlign, sheafCapacity: 32)
        var attributes: Attributes = [:]
        for cache in kernel.slab.allCaches {
            attributes[cache.name] = Dictionary(uniqueKeysWithValues: cache.sysfsAttributes.map { ($0.name, $0.value) })
        }
        return attributes
    }

    static func parse(snapshot text: String) -> Attributes {
        var attributes: Attributes = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: " ")
            attributes[String(fields[0])] = Dictionary(uniqueKeysWithValues: fields.dropFirst().map { field in
                let pair = field.split(separator: "=")
                return (String(pair[0]), Int(pair[1])!)
            })
        }
        return attributes
    }

    /// Every field of every cache in `kernel` that the model has differently, as "cache.field".
    func differences(_ kernel: Attributes, _ model: Attributes) -> [String: String] {
        var found: [String: String] = [:]
        for (cache, fields) in kernel {
            for (field, value) in fields {
                let modelled = model[cache]?[field]
                if modelled != value { found["\(cache).\(field)"] = "kernel \(value), model \(modelled.map(String.init) ?? "none")" }
            }
        }
        return found
    }

    @Test("the committed 6.18 snapshot: every field matches or is a known, explained difference")
    func snapshot() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Data/sys-kernel-slab-6.18.txt")
        let kernel = Self.parse(snapshot: try String(contentsOf: url, encoding: .utf8))
        #expect(kernel.count == 15)
        let found = differences(kernel, try model(cpus: 2))
        #expect(Set(found.keys) == Set(Self.knownDifferences.keys), "\(found)")
    }

    static var liveReadable: Bool { FileManager.default.isReadableFile(atPath: "/sys/kernel/slab/kmalloc-64/order") }

    @Test("the running kernel, when /sys/kernel/slab is readable", .enabled(if: liveReadable))
    func live() throws {
        let model = try model(cpus: CPU.configuredCount)
        var kernel: Attributes = [:]
        for cache in model.keys where !cache.hasPrefix("dma-") {
            let folder = "/sys/kernel/slab/\(cache)"
            guard FileManager.default.fileExists(atPath: folder) else { continue }
            kernel[cache] = [:]
            for field in model[cache]!.keys {
                let text = try String(contentsOfFile: "\(folder)/\(field)", encoding: .utf8)
                kernel[cache]![field] = Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
            }
        }
        #expect(kernel.count >= 13, "kmalloc caches found: \(kernel.keys.sorted())")
        let found = differences(kernel, model)
        let unexplained = found.filter { Self.knownDifferences[$0.key] == nil }
        #expect(unexplained.isEmpty, "\(unexplained)")
    }
}

/// The model's zone setup against /proc/zoneinfo: the committed 6.18 snapshot, and the running
/// kernel's when readable, each with its own min_free_kbytes.
@Suite("zones against the live kernel") struct LiveZoneinfoTests {
    /// Per zone, the kernel's figures the model computes: min, low, high, protection against
    /// DMA/DMA32/Normal, and the first CPU's batch, high_min, high_max.
    static func kernelFigures(_ text: String) -> [String: [Int]] {
        var figures: [String: [Int]] = [:]
        var zone: String?
        var values: [String: Int] = [:]
        var protection: [Int] = []
        func finish() {
            if let zone, ["DMA", "DMA32", "Normal"].contains(zone), (values["managed"] ?? 0) > 0 {
                figures[zone] = [values["min"]!, values["low"]!, values["high"]!] + protection.prefix(3)
                    + [values["batch:"]!, values["high_min:"]!, values["high_max:"]!]
            }
        }
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard let first = fields.first else { continue }
            if first == "Node", fields.count >= 4 {
                finish()
                zone = String(fields[3]); values = [:]; protection = []
            } else if first == "protection:" {
                protection = line.split(separator: "(")[1].split(separator: ")")[0].split(separator: ",")
                    .map { Int($0.trimmingCharacters(in: .whitespaces))! }
            } else if fields.count == 2, let value = Int(fields[1]), values[String(first)] == nil {
                values[String(first)] = value
            }
        }
        finish()
        return figures
    }

    func model(_ text: String, minFreeKbytes: Int, cpus: Int) throws -> [String: [Int]] {
        let managed = try Zoneinfo.managedPages(text)
        let setups = PageAllocator.zoneSetup(managed: managed, minFreeKbytes: minFreeKbytes, watermarkScaleFactor: 10, cpus: cpus)
        var figures: [String: [Int]] = [:]
        for (name, (pages, setup)) in zip(["DMA", "DMA32", "Normal"], zip(managed, setups)) where pages > 0 {
            figures[name] = [setup.watermarks.min, setup.watermarks.low, setup.watermarks.high] + setup.protection
                + [setup.batch, setup.highMin, setup.highMax]
        }
        return figures
    }

    /// Every CPU's pageset: [zone: [cpu: [field: value]]], and the text of each pageset line
    /// before its value (its shape).
    static func pagesets(_ text: String) -> (values: [String: [Int: [String: Int]]], shapes: Set<String>) {
        var values: [String: [Int: [String: Int]]] = [:]
        var shapes: Set<String> = []
        var zone = ""
        var cpu: Int?
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard let first = fields.first, let last = fields.last else { continue }
            if first == "Node", fields.count >= 4 {
                zone = String(fields[3]); cpu = nil
            } else if first == "cpu:", let number = Int(last) {
                cpu = number
                shapes.insert(String(line.dropLast(last.count)))
            } else if let cpu, fields.count == 2, ["count:", "high:", "batch:", "high_min:", "high_max:"].contains(first),
                      let value = Int(last) {
                values[zone, default: [:]][cpu, default: [:]][String(first.dropLast())] = value
                shapes.insert(String(line.dropLast(last.count)))
            } else if first != "cpu:" {
                cpu = nil
            }
        }
        return (values, shapes)
    }

    /// Each CPU of each zone has the model's batch, high_min and high_max, and a high that is
    /// 0 (never used) or between them.
    func checkPagesets(_ text: String, minFreeKbytes: Int, cpus: Int) throws {
        let managed = try Zoneinfo.managedPages(text)
        let setups = PageAllocator.zoneSetup(managed: managed, minFreeKbytes: minFreeKbytes, watermarkScaleFactor: 10, cpus: cpus)
        let kernel = Self.pagesets(text).values
        for (name, (pages, setup)) in zip(["DMA", "DMA32", "Normal"], zip(managed, setups)) where pages > 0 {
            let perCPU = try #require(kernel[name])
            #expect(perCPU.count == cpus, "\(name)")
            for (cpu, fields) in perCPU {
                #expect([fields["batch"], fields["high_min"], fields["high_max"]] == [setup.batch, setup.highMin, setup.highMax],
                        "\(name) cpu \(cpu)")
                let high = try #require(fields["high"])
                #expect(high == 0 || (setup.highMin...setup.highMax).contains(high), "\(name) cpu \(cpu) high \(high)")
            }
        }
    }

    static var snapshotText: String {
        get throws {
            let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Data/proc-zoneinfo-6.18.txt")
            return try String(contentsOf: url, encoding: .utf8)
        }
    }

    @Test("the committed 6.18 snapshot: every watermark, protection and pcp size matches")
    func snapshot() throws {
        let text = try Self.snapshotText
        let kernel = Self.kernelFigures(text)
        #expect(kernel.count == 3)
        #expect(try model(text, minFreeKbytes: 67584, cpus: 2) == kernel)
        try checkPagesets(text, minFreeKbytes: 67584, cpus: 2)
    }

    @Test("the model's pagesets print as /proc/zoneinfo prints them, with each CPU's count and tuned high")
    func pagesetShape() throws {
        let kernel = Self.pagesets(try Self.snapshotText)
        let allocator = try makeAllocator()
        let pages = try CPU.withCPU(1) { try (0..<300).map { _ in try #require(allocator.allocPages(.kernel, order: 0)) } }
        let stats = allocator.statistics()
        let model = Self.pagesets(stats.zoneinfo)
        #expect(model.shapes == kernel.shapes, "\(model.shapes.symmetricDifference(kernel.shapes))")
        for zone in stats.zones where zone.spannedPages > 0 {
            for pcp in zone.perCPU {
                #expect(model.values[zone.type.name]?[pcp.cpu] == ["count": pcp.count, "high": pcp.high, "batch": pcp.batch,
                                                                   "high_min": pcp.highMin, "high_max": pcp.highMax])
            }
        }
        let normal = stats.zone(.normal).perCPU[1]
        #expect(normal.count > 0 && normal.high > normal.highMin && normal.high <= normal.highMax)
        #expect(stats.zone(.normal).perCPU[0].high == 0)
        for page in pages { try allocator.freePages(page, order: 0) }
        #expect(allocator.isPristine)
    }

    static var liveReadable: Bool {
        FileManager.default.isReadableFile(atPath: "/proc/zoneinfo") && FileManager.default.isReadableFile(atPath: "/proc/sys/vm/min_free_kbytes")
            && (try? String(contentsOfFile: "/proc/sys/vm/watermark_scale_factor", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines) == "10"
    }

    @Test("the running kernel, when /proc/zoneinfo is readable", .enabled(if: liveReadable))
    func live() throws {
        let text = try String(contentsOfFile: "/proc/zoneinfo", encoding: .utf8)
        let minFree = try #require(Int(try String(contentsOfFile: "/proc/sys/vm/min_free_kbytes", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(try model(text, minFreeKbytes: minFree, cpus: CPU.configuredCount) == Self.kernelFigures(text))
        try checkPagesets(text, minFreeKbytes: minFree, cpus: CPU.configuredCount)
    }

    @Test("a malformed zoneinfo, or one with no zone the model has, is an error naming the line")
    func badInput() {
        #expect(throws: KMemError.self) { try Zoneinfo.managedPages("Node 0, zone   Normal\n        managed  lots\n") }
        #expect(throws: KMemError.self) { try Zoneinfo.managedPages("nothing here\n") }
        #expect(throws: KMemError.self) { try Zoneinfo.managedPages("Node 0, zone  Movable\n        managed  100\n") }
    }
}
