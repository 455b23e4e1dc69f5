import Synchronization

/// The magazine designs' part of the conservation audit: each CPU's loaded and previous
/// magazines (main and spare sheaves) and the depot's (barn's) stacks.
extension MagazinePolicy {
    @usableFromInline
    static func audit(_ cache: KmemCache, _ audit: CacheAudit, listed: Set<Int>) {
        guard let blocks = cache.cpuBlocks else { return }
        let sheaves = cache.design == .sheaves
        for cpu in 0..<cache.cpus {
            guard let held = cache.slot(blocks, cpu: cpu).pointee.load(ordering: .acquiring) else {
                // A destroyed cache gave its magazines back for good and left the slots empty.
                if !cache.isRetired {
                    audit.violations.append(AuditViolation(.notQuiescent, "cache \(cache.name): CPU \(cpu)'s magazines are lent out"))
                }
                continue
            }
            let state = held.assumingMemoryBound(to: CPUMagazines.self)
            audit.claim(magazine: state.pointee.loaded, as: "CPU \(cpu) " + (sheaves ? "main sheaf" : "loaded magazine"))
            audit.claim(magazine: state.pointee.previous, as: "CPU \(cpu) " + (sheaves ? "spare sheaf" : "previous magazine"))
        }
        let depot = sheaves ? "barn" : "depot"
        for magazine in cache.depot.pointee.full.audit(depot + " full stack", cache, audit) {
            audit.claim(magazine: magazine, as: depot + " full " + (sheaves ? "sheaves" : "magazines"))
        }
        for magazine in cache.depot.pointee.empty.audit(depot + " empty stack", cache, audit) {
            if magazine.rounds != 0 {
                audit.violations.append(AuditViolation(.countMismatch, "cache \(cache.name): a magazine on the \(depot)'s empty stack holds \(magazine.rounds) objects"))
            }
            audit.claim(magazine: magazine, as: depot + " empty " + (sheaves ? "sheaves" : "magazines"))
        }
    }
}

extension MagazineStack {
    /// The stack's magazines, walked from the head; a loop, or a count that disagrees, is a
    /// violation (`name` says which stack).
    func audit(_ name: String, _ cache: KmemCache, _ audit: CacheAudit) -> [Magazine] {
        var magazines: [Magazine] = []
        var seen = Set<UnsafeMutableRawPointer>()
        var next = head.load(ordering: .acquiring).first
        let counted = count.load(ordering: .relaxed)
        while let raw = UnsafeMutableRawPointer(bitPattern: next) {
            guard seen.insert(raw).inserted else {
                audit.violations.append(AuditViolation(.listCorrupt, "cache \(cache.name): the \(name) loops back to magazine 0x\(String(UInt(bitPattern: raw), radix: 16))"))
                break
            }
            magazines.append(Magazine(raw))
            next = Magazine(raw).next.pointee.load(ordering: .relaxed)
        }
        if magazines.count != counted {
            audit.violations.append(AuditViolation(.countMismatch, "cache \(cache.name): the \(name) counts \(counted) magazines but holds \(magazines.count)"))
        }
        return magazines
    }
}
