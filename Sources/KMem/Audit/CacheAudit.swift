/// The audit's view of one cache: its slabs, and for each object the place holding it. An
/// object no place claims is live. Places are named as the cache's design names them
/// ("CPU 0 main sheaf", "depot full magazines").
@usableFromInline
final class CacheAudit {
    let cache: KmemCache
    /// Per slab, in `slabPfns` order: the place of each object by index into `places`, 0
    /// (live) while unclaimed.
    private var states: [[UInt16]] = []
    private var slots: [Int: Int] = [:]
    private(set) var slabPfns: [Int] = []
    private var places = PlaceTable("live")
    var violations: [AuditViolation] = []
    /// Magazines (sheaves) the per-CPU layer holds, with where: objects of a magazine cache.
    private(set) var magazines: [(raw: UnsafeMutableRawPointer, place: String)] = []

    init(_ cache: KmemCache) { self.cache = cache }

    var objects: Int { states.reduce(0) { $0 + $1.count } }
    var live: Int { states.reduce(0) { total, slab in total + slab.count { $0 == 0 } } }

    func isSlab(_ pfn: Int) -> Bool { slots[pfn] != nil }

    func count(of place: String) -> Int { places.count(of: place) }

    func addSlab(_ pfn: Int, objects: Int) {
        slots[pfn] = states.count
        states.append([UInt16](repeating: 0, count: objects))
        slabPfns.append(pfn)
    }

    /// `object` is in `place` (and, when given, must lie in the slab at `slab`). False when it
    /// is no object of the cache's slabs, or another place holds it already: both reported, and
    /// a walk that met either should stop (what follows it cannot be trusted).
    @discardableResult
    func claim(_ object: UnsafeMutableRawPointer, as place: String, inSlab slab: Int? = nil) -> Bool {
        let name = cache.name, address = "0x" + String(UInt(bitPattern: object), radix: 16)
        guard let head = cache.slabOf(object), let slot = slots[head - cache.descriptors],
              let index = cache.objectIndex(object, in: head) else {
            violations.append(AuditViolation(.objectInvalid, "\(place) of cache \(name) holds \(address), which is not an object of its slabs"))
            return false
        }
        let pfn = head - cache.descriptors
        if let slab, slab != pfn {
            violations.append(AuditViolation(.listCorrupt, "\(place) of cache \(name) holds \(address), an object of the slab at pfn \(pfn), not of the slab at pfn \(slab)"))
            return false
        }
        let other = states[slot][index]
        guard other == 0 else {
            violations.append(AuditViolation(.objectInTwoPlaces, "object \(address) of cache \(name) in two places: \(places.names[Int(other)]) and \(place)"))
            return false
        }
        let placeIndex = places.index(place)
        states[slot][index] = UInt16(placeIndex)
        places.count(placeIndex)
        return true
    }

    /// A magazine the per-CPU layer holds in `place`: its rounds are claimed, and the magazine
    /// itself is an object of its magazine cache (claimed there afterwards).
    func claim(magazine: Magazine, as place: String) {
        if magazine.raw != Sheaves.bootstrapSheaf.raw { magazines.append((magazine.raw, place)) }
        var rounds = magazine.rounds
        if rounds < 0 || rounds > magazine.capacity {
            violations.append(AuditViolation(.countMismatch, "\(place) of cache \(cache.name) has \(rounds) rounds, outside 0...\(magazine.capacity)"))
            rounds = min(max(rounds, 0), magazine.capacity)
        }
        for round in 0..<rounds { claim(magazine.objects[round], as: place) }
    }

    var summary: KernelAudit.CacheObjects {
        KernelAudit.CacheObjects(name: cache.name, design: cache.design.rawValue, slabs: slabPfns.count, objects: objects,
                                 places: zip(places.names, places.counts).dropFirst().filter { $0.1 > 0 }.map { ($0.0, $0.1) },
                                 live: live, claimed: nil)
    }
}
