/// What a conservation audit found (Kernel.audit): the page frames in each place, the objects
/// of each cache by place, the areas of vmalloc and the per-CPU allocator, and every
/// violation. Clean when there is no violation.
public struct KernelAudit: Sendable, CustomStringConvertible {
    public struct Place: Sendable, Equatable {
        public let name: String
        public let frames: Int
    }

    public struct CacheObjects: Sendable {
        public let name: String
        public let design: String
        public let slabs: Int
        public let objects: Int
        /// Objects not live, by the place holding them (slab freelists, CPU caches, depot,
        /// a holder's reserve, magazines of another cache's per-CPU layer).
        public let places: [(name: String, objects: Int)]
        public let live: Int
        /// What the caller said is live (nil: not checked).
        public internal(set) var claimed: Int?

        public func objects(in place: String) -> Int { places.first { $0.name == place }?.objects ?? 0 }
        /// Objects in places whose name contains `fragment` ("sheaf", "freelist").
        public func objects(inPlacesContaining fragment: String) -> Int {
            places.filter { $0.name.contains(fragment) }.reduce(0) { $0 + $1.objects }
        }
    }

    public let totalFrames: Int
    public let frames: [Place]
    public let caches: [CacheObjects]
    public let vmallocAreas: Int
    public let queuedVmallocAreas: Int
    public let vmapAreas: Int
    public let lazyVmallocAreas: Int
    public let percpuAreas: Int
    public let violations: [AuditViolation]

    public var isClean: Bool { violations.isEmpty }

    /// Frames in the places whose name starts with `prefix` ("buddy", "pcp", "slab kmalloc-64").
    public func frames(inPlacesStartingWith prefix: String) -> Int {
        frames.filter { $0.name.hasPrefix(prefix) }.reduce(0) { $0 + $1.frames }
    }

    public func cache(_ name: String) -> CacheObjects? { caches.first { $0.name == name } }

    public func violations(_ kind: AuditViolation.Kind) -> [AuditViolation] { violations.filter { $0.kind == kind } }

    /// The audit as text: frames per place, then each cache with objects, then the violations.
    public var description: String {
        var lines = ["page frames: \(totalFrames)"]
        for place in frames { lines.append("  " + place.name.rightPadded(40) + " " + String(place.frames).leftPadded(9)) }
        lines.append("areas: vmalloc \(vmallocAreas), vfree_atomic queued \(queuedVmallocAreas), vmap \(vmapAreas), "
                     + "lazily freed \(lazyVmallocAreas), percpu \(percpuAreas)")
        lines.append("slab objects (caches with slabs):")
        for cache in caches where cache.slabs > 0 {
            let claimed = cache.claimed.map { ", caller says \($0)" } ?? ""
            lines.append("  \(cache.name) [\(cache.design)]: \(cache.slabs) slabs, \(cache.objects) objects, \(cache.live) live\(claimed)")
            for place in cache.places { lines.append("    " + place.name.rightPadded(38) + " " + String(place.objects).leftPadded(9)) }
        }
        lines.append(violations.isEmpty ? "no violations" : "\(violations.count) violations:")
        lines += violations.map { "  [\($0.kind.rawValue)] \($0.description)" }
        return lines.joined(separator: "\n")
    }
}
