import Foundation
import KMem

/// The slab, vmalloc and per-CPU half of `inspect`'s exercise: two threads churn kmalloc sizes
/// and two named caches, a third allocates from hardirq context with GFP_ATOMIC and frees on
/// the other CPU, some objects stay live so the caches show partial slabs, and a few vmalloc
/// areas and per-CPU counters are left in place to be listed.
struct SlabExercise {
    let kernel: Kernel

    func run() throws {
        let slab = kernel.slab
        let dentry = try slab.kmemCacheCreate("dentry", size: 192, flags: .reclaimAccount)
        let inode = try slab.kmemCacheCreate("inode_cache", size: 600, flags: [.reclaimAccount, .hwcacheAlign])
        let group = DispatchGroup()
        for worker in 0..<2 {
            DispatchQueue(label: "inspect-slab-\(worker)").async(group: group) {
                CPU.withCPU(worker) {
                    var kept: [UnsafeMutableRawPointer] = []
                    for step in 0..<20_000 {
                        let object: UnsafeMutableRawPointer? = switch step % 4 {
                        case 0: slab.kmemCacheAlloc(dentry, .kernel)
                        case 1: slab.kmemCacheAlloc(inode, .kernel)
                        case 2: Current.inHardirq { slab.kmalloc(64 << (step % 5), .atomic) }
                        default: slab.kmalloc(8 << (step % 11), .kernel)
                        }
                        guard let object else { continue }
                        if step % 9 == 0 { kept.append(object) } else { try? slab.kfree(object) }
                    }
                    // Free most of what was kept on the other CPU: remote frees.
                    CPU.withCPU(1 - worker) { for object in kept.dropFirst(kept.count / 4) { try? slab.kfree(object) } }
                }
            }
        }
        group.wait()
        for size in [10_000, 100_000, 1 << 20] { _ = try kernel.vmalloc.vmalloc(size) }
        for _ in 0..<3 { _ = try kernel.percpu.allocPercpu(Int.self) }
    }
}
