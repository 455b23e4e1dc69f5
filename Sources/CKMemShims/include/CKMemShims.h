// The model kernel's C half: what Glibc hides from Swift (rseq CPU id, memfd, fallocate,
// affinity, gettid, clock_nanosleep), the per-thread execution-context word, and the rseq
// fast paths. The baseline allocators' shim is CKMemBaselineShims.
//
// This header must not define _GNU_SOURCE: Swift modules that import it also import Glibc,
// and a different feature set makes the two disagree about shared types (fd_set). What needs
// GNU extensions is compiled in shims.c and only declared here.
#ifndef CKMEMSHIMS_H
#define CKMEMSHIMS_H

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

// ---- CPU identity -------------------------------------------------------------------------

// glibc >= 2.35 registers rseq for every thread and exports where its area lives.
extern const ptrdiff_t __rseq_offset __attribute__((weak));
extern const unsigned int __rseq_size __attribute__((weak));

/// sched_getcpu(), for when rseq is off.
int kmem_shim_sched_getcpu(void);

/// The CPU this thread runs on now: a hint, the thread may migrate right after.
/// Reads rseq's cpu_id (about 2 ns) and falls back to sched_getcpu when rseq is off.
static inline int kmem_shim_current_cpu(void) {
    if (&__rseq_size != NULL && __rseq_size != 0) {
        const volatile uint32_t *area = (const volatile uint32_t *)
            ((char *)__builtin_thread_pointer() + __rseq_offset);
        int cpu = (int)area[1]; // struct rseq { u32 cpu_id_start; u32 cpu_id; ... }
        if (cpu >= 0) return cpu;
    }
    int cpu = kmem_shim_sched_getcpu();
    return cpu < 0 ? 0 : cpu;
}

/// Whether the fast rseq path is in use (reported by `kmembench inspect`).
static inline int kmem_shim_rseq_available(void) {
    return &__rseq_size != NULL && __rseq_size != 0;
}

pid_t kmem_shim_gettid(void);

/// The calling thread's name (comm); writes at most `size` bytes including the NUL.
int kmem_shim_thread_name(char *buffer, size_t size);

/// Pins the calling thread to one CPU; returns 0 or an errno value.
int kmem_shim_pin_to_cpu(int cpu);

/// Number of CPUs the machine has.
static inline int kmem_shim_configured_cpus(void) { return (int)sysconf(_SC_NPROCESSORS_CONF); }

// ---- memory -------------------------------------------------------------------------------

/// memfd_create with MFD_CLOEXEC.
int kmem_shim_memfd_create(const char *name);
/// fallocate(PUNCH_HOLE | KEEP_SIZE): gives a range of a memfd back to the host.
int kmem_shim_punch_hole(int fd, off_t offset, off_t len);
int kmem_shim_map_fixed_noreplace(void);
/// Touches one byte at `address` (reads it, or writes it back when `write` is set) in a forked
/// child, so that a fault kills the child and not the caller. Returns 0 when the access
/// worked, the signal that ended the child otherwise, or -1 when fork failed.
int kmem_shim_probe_access(volatile unsigned char *address, int write);

// ---- waiting ------------------------------------------------------------------------------

/// FUTEX_WAIT_PRIVATE on `word` while it holds `expected`, for at most `timeout_ns`.
void kmem_shim_futex_wait(uint32_t *word, uint32_t expected, uint64_t timeout_ns);
/// FUTEX_WAKE_PRIVATE of every waiter on `word`; never blocks.
void kmem_shim_futex_wake_all(uint32_t *word);

// ---- time ---------------------------------------------------------------------------------

/// Sleeps until an absolute CLOCK_MONOTONIC time, retrying on EINTR.
static inline int kmem_shim_sleep_until(uint64_t deadline_ns) {
    struct timespec ts = { (time_t)(deadline_ns / 1000000000ull), (long)(deadline_ns % 1000000000ull) };
    int rc;
    do { rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL); } while (rc == EINTR);
    return rc;
}

static inline uint64_t kmem_shim_monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/// Nanoseconds for `iterations` of: a locked exchange and a release store (what claiming and
/// returning a per-CPU slot costs); a relaxed load and store (the loop alone); a monotonic
/// clock read. For `kmembench inspect --costs`.
uint64_t kmem_shim_time_locked_exchanges(uint64_t iterations);
uint64_t kmem_shim_time_plain_stores(uint64_t iterations);
uint64_t kmem_shim_time_clock_reads(uint64_t iterations);
/// `iterations` rounds of allocate, write one byte, free, through function pointers the loop
/// reloads each time: the plain C baseline the harness's own cost is measured against.
uint64_t kmem_shim_time_malloc_pairs(void *(*malloc_fn)(size_t), void (*free_fn)(void *), size_t size,
                                     uint64_t iterations);

/// A cheap pause for spin-wait loops.
static inline void kmem_shim_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

// ---- the current task's execution context ---------------------------------------------------

/// Per-thread state the model kernel keeps for `current`: the kernel's preempt_count word
/// (preempt, softirq, hardirq and NMI fields), whether "interrupts" are disabled, and the
/// memalloc scope flags. Kept in C because Swift has no cheap thread-locals.
struct kmem_task_state {
    uint32_t preempt_count;
    uint32_t irqs_disabled;
    uint32_t memalloc_flags;
    uint32_t spinlock_depth;
    int32_t pinned_cpu; // -1 when not pinned
    uint32_t in_reclaim; // PF_MEMALLOC: this thread is reclaiming
    uint64_t reclaimed_pages; // pages this thread freed while reclaiming (reclaim_state)
};

extern __thread struct kmem_task_state kmem_task_state_tls;

static inline struct kmem_task_state *kmem_shim_current_task(void) { return &kmem_task_state_tls; }

_Static_assert(offsetof(struct kmem_task_state, preempt_count) == 0 && offsetof(struct kmem_task_state, irqs_disabled) == 4,
               "in_atomic() reads both words as one");

/// in_atomic(): preempt_count or the interrupts-off count is nonzero, read as one 64-bit word
/// (the allocation fast paths ask on every call).
static inline int kmem_shim_in_atomic(void) {
    uint64_t both;
    __builtin_memcpy(&both, &kmem_task_state_tls, sizeof both);
    return both != 0;
}

// ---- layouts shared by Swift and the rseq fast paths ---------------------------------------
//
// Declared once here: the assembly in shims.c takes every offset below as an operand and
// Swift (KMem's Magazine, CPUMagazines and KmemCache) addresses the same fields through the
// constants, so a changed field moves both; the static asserts pin what the assembly's
// addressing modes and the Swift types' sizes rely on (RseqLayoutTests checks the Swift side).

/// A magazine (Bonwick) or sheaf (Linux): this header, then `capacity` object pointers.
struct kmem_magazine {
    uint64_t rounds;   // objects held; only the magazine's holder touches it
    uint64_t capacity;
    uint64_t next;     // the depot (barn) stack's link, atomic in Swift
    void *objects[];
};

/// One CPU's block in a magazine design's per-CPU area (blocks + cpu << KMEM_CPU_BLOCK_SHIFT):
/// the slot, which holds the address of the magazines (`loaded`) or NULL while they are lent
/// out, then the magazines and their event counters (Swift's CPUMagazines, in this order).
struct kmem_cpu_block {
    void *slot;
    void *loaded;      // Bonwick's loaded magazine, Linux's main sheaf
    void *previous;    // Bonwick's previous magazine, Linux's spare sheaf
    int64_t events[4]; // allocations, frees, alloc misses, free misses
    uint64_t pad;      // to a cache line (KmemCache allocates the blocks 64-byte aligned);
                       // not __attribute__((aligned(64))): Swift does not import such a struct
};

// Constants, for Swift (which folds them) and for the assembly's immediate operands.
enum {
    KMEM_CPU_BLOCK_SHIFT = 6,
    KMEM_CPU_BLOCK_SLOT = offsetof(struct kmem_cpu_block, slot),
    KMEM_CPU_BLOCK_MAGAZINES = offsetof(struct kmem_cpu_block, loaded),
    KMEM_CPU_BLOCK_ALLOCATIONS = offsetof(struct kmem_cpu_block, events[0]),
    KMEM_CPU_BLOCK_FREES = offsetof(struct kmem_cpu_block, events[1]),
    KMEM_MAGAZINE_ROUNDS = offsetof(struct kmem_magazine, rounds),
    KMEM_MAGAZINE_CAPACITY = offsetof(struct kmem_magazine, capacity),
    KMEM_MAGAZINE_NEXT = offsetof(struct kmem_magazine, next),
    KMEM_MAGAZINE_OBJECTS = offsetof(struct kmem_magazine, objects),
};

_Static_assert(sizeof(struct kmem_cpu_block) == 1 << KMEM_CPU_BLOCK_SHIFT,
               "a CPU block is one cache line: the assembly indexes blocks by a shift");
_Static_assert(KMEM_MAGAZINE_OBJECTS == sizeof(struct kmem_magazine) && sizeof(void *) == 8,
               "object pointers follow the header, 8 bytes each: the assembly scales the index by 8");
_Static_assert(KMEM_CPU_BLOCK_SLOT == 0, "the slot is at the block's address: Swift's slot(_:cpu:) and the exchange");

// ---- rseq fast paths for the slab's per-CPU layer (see shims.c) ----------------------------

/// Registers for membarrier's rseq fences; 0 when the rseq fast paths may be used (x86-64,
/// glibc registered rseq for every thread, the kernel supports the fence).
int kmem_rseq_register(void);
/// Restarts any restartable sequence running on `cpu` (a thread that took another CPU's slot
/// calls this before touching its magazines). 0 on success.
int kmem_rseq_fence_cpu(int cpu);
/// Pops from this CPU's loaded magazine; NULL when it is empty, lent out, or the CPU has no block.
void *kmem_rseq_magazine_pop(char *blocks, unsigned long cpus);
/// Pushes onto this CPU's loaded magazine; 0 when it is full, lent out, or the CPU has no block.
int kmem_rseq_magazine_push(char *blocks, unsigned long cpus, void *object);
/// Takes this CPU's slot (an exchange with NULL as the sequence's commit); the state or NULL,
/// and the CPU in *cpu_out (-1 when the CPU has no block).
void *kmem_rseq_take_slot(char *blocks, unsigned long cpus, long *cpu_out);

// ---- SLUB's per-CPU slab (KMem/PerCPU/Slub.swift) -------------------------------------------

/// struct kmem_cache_cpu: the CPU's slab and the lockless freelist over it. `freelist` and
/// `tid` change together by one 16-byte compare-exchange (the kernel's this_cpu_cmpxchg_double);
/// every change bumps `tid`, so a fast path that read an older state fails its exchange and
/// retries. A slow path holding `lock` closes the freelist (KMEM_SLUB_CLOSED) while it swaps
/// the CPU slab: fast paths then leave it alone and go slow themselves. Unlike the kernel's,
/// the exchange carries the lock prefix: other threads may share a model CPU.
struct kmem_cache_cpu {
    void *freelist;
    uint64_t tid;
    int32_t slab;          // pfn of the CPU slab, -1 for none (relaxed atomic)
    uint32_t lock;         // local_lock, only ever try-locked
    int32_t partial;       // first per-CPU partial slab (chained through page.next), -1 for none
    int32_t partial_slabs; // slabs on that list
} __attribute__((aligned(16)));

#define KMEM_SLUB_CLOSED ((void *)1)
/// KMEM_SLUB_CLOSED for Swift, which does not import pointer-valued macros.
static inline void *kmem_slub_closed(void) { return KMEM_SLUB_CLOSED; }

/// A 16-byte compare-exchange of two words at `address` (16-byte aligned).
static inline int kmem_cmpxchg_pair(void *address, uint64_t old_first, uint64_t old_second,
                                    uint64_t new_first, uint64_t new_second) {
    unsigned __int128 expected = ((unsigned __int128)old_second << 64) | old_first;
    unsigned __int128 desired = ((unsigned __int128)new_second << 64) | new_first;
    return __atomic_compare_exchange_n((unsigned __int128 *)address, &expected, desired, 0,
                                       __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

static inline uint64_t kmem_load_word(const void *address) {
    return __atomic_load_n((const uint64_t *)address, __ATOMIC_ACQUIRE);
}

/// The free pointer of an object that may have been handed out meanwhile: the exchange that
/// follows fails then, and the value read is discarded (the kernel's prefetch-safe read).
__attribute__((no_sanitize("thread")))
static inline uint64_t kmem_slub_peek_free_pointer(const void *object, uint64_t offset) {
    return *(const volatile uint64_t *)((const char *)object + offset);
}

/// slab_alloc_node's fast path: pops the CPU freelist. NULL when it is empty or closed.
/// Free pointers are stored as next ^ secret ^ swab(slot address) (freelist_ptr_encode).
static inline void *kmem_slub_alloc_fast(struct kmem_cache_cpu *c, uint64_t offset, uint64_t secret) {
    for (;;) {
        uint64_t tid = kmem_load_word(&c->tid);
        void *object = (void *)kmem_load_word(&c->freelist);
        if (object == NULL || object == KMEM_SLUB_CLOSED) return NULL;
        uint64_t next = kmem_slub_peek_free_pointer(object, offset) ^ secret
            ^ __builtin_bswap64((uint64_t)object + offset);
        if (kmem_cmpxchg_pair(c, (uint64_t)object, tid, next, tid + 1)) return object;
    }
}

#define KMEM_SLUB_FREE_SLOW 0
#define KMEM_SLUB_FREE_DONE 1
/// The object is the freelist's head: set_freepointer's naive double-free check
/// (CONFIG_SLAB_FREELIST_HARDENED's BUG_ON(object == fp)).
#define KMEM_SLUB_FREE_DOUBLE 2

/// do_slab_free's fast path: pushes an object of the CPU slab `slab` onto the CPU freelist.
/// KMEM_SLUB_FREE_SLOW when the object is not of the CPU slab or the freelist is closed.
static inline int kmem_slub_free_fast(struct kmem_cache_cpu *c, void *object, int32_t slab,
                                      uint64_t offset, uint64_t secret) {
    for (;;) {
        uint64_t tid = kmem_load_word(&c->tid);
        void *head = (void *)kmem_load_word(&c->freelist);
        if (head == KMEM_SLUB_CLOSED || __atomic_load_n(&c->slab, __ATOMIC_RELAXED) != slab) return KMEM_SLUB_FREE_SLOW;
        if (head == object) return KMEM_SLUB_FREE_DOUBLE;
        *(uint64_t *)((char *)object + offset) = (uint64_t)head ^ secret ^ __builtin_bswap64((uint64_t)object + offset);
        if (kmem_cmpxchg_pair(c, (uint64_t)head, tid, (uint64_t)object, tid + 1)) return KMEM_SLUB_FREE_DONE;
    }
}

/// Replaces the freelist with `freelist` (a slow path, lock held); returns the one it replaced.
static inline void *kmem_slub_swap_freelist(struct kmem_cache_cpu *c, void *freelist) {
    for (;;) {
        uint64_t tid = kmem_load_word(&c->tid);
        uint64_t head = kmem_load_word(&c->freelist);
        if (kmem_cmpxchg_pair(c, head, tid, (uint64_t)freelist, tid + 1)) return (void *)head;
    }
}

static inline int kmem_slub_trylock(struct kmem_cache_cpu *c) {
    return __atomic_exchange_n(&c->lock, 1, __ATOMIC_ACQUIRE) == 0;
}

static inline void kmem_slub_unlock(struct kmem_cache_cpu *c) { __atomic_store_n(&c->lock, 0, __ATOMIC_RELEASE); }

static inline int32_t kmem_slub_cpu_slab(struct kmem_cache_cpu *c) { return __atomic_load_n(&c->slab, __ATOMIC_RELAXED); }

static inline void kmem_slub_set_cpu_slab(struct kmem_cache_cpu *c, int32_t slab) {
    __atomic_store_n(&c->slab, slab, __ATOMIC_RELAXED);
}

// The fields below are touched from Swift only through these: Swift reports a field access
// through `pointee` at the struct's base address, where the fast paths' freelist lives.

static inline void kmem_slub_cpu_init(struct kmem_cache_cpu *c) {
    c->freelist = NULL;
    c->tid = 0;
    c->slab = -1;
    c->lock = 0;
    c->partial = -1;
    c->partial_slabs = 0;
}

/// The per-CPU partial list (lock held).
static inline int32_t kmem_slub_partial(const struct kmem_cache_cpu *c) { return c->partial; }
static inline int32_t kmem_slub_partial_slabs(const struct kmem_cache_cpu *c) { return c->partial_slabs; }
static inline void kmem_slub_set_partial(struct kmem_cache_cpu *c, int32_t first, int32_t slabs) {
    c->partial = first;
    c->partial_slabs = slabs;
}


#endif
