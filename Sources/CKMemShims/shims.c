// The shims that need GNU extensions; the header stays feature-neutral (see its comment).
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <limits.h>
#include <linux/futex.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/membarrier.h>
#include "CKMemShims.h"

__thread struct kmem_task_state kmem_task_state_tls = { 0, 0, 0, 0, -1, 0, 0 };

int kmem_shim_sched_getcpu(void) { return sched_getcpu(); }

pid_t kmem_shim_gettid(void) { return (pid_t)syscall(SYS_gettid); }

int kmem_shim_thread_name(char *buffer, size_t size) {
    return pthread_getname_np(pthread_self(), buffer, size);
}

int kmem_shim_pin_to_cpu(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

int kmem_shim_memfd_create(const char *name) { return memfd_create(name, MFD_CLOEXEC); }

int kmem_shim_punch_hole(int fd, off_t offset, off_t len) {
    return fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, len);
}

int kmem_shim_map_fixed_noreplace(void) { return MAP_FIXED_NOREPLACE; }

int kmem_shim_probe_access(volatile unsigned char *address, int write) {
    pid_t child = fork();
    if (child < 0) return -1;
    if (child == 0) {
        // Only async-signal-safe work in the child of a threaded parent: one access, _exit.
        // No core file: the fault is the expected outcome.
        struct rlimit none = { 0, 0 };
        setrlimit(RLIMIT_CORE, &none);
        // The default fault actions, not a sanitizer's handler (Address Sanitizer reports the
        // fault and exits 1): the caller learns the signal itself.
        signal(SIGSEGV, SIG_DFL);
        signal(SIGBUS, SIG_DFL);
        unsigned char value = *address;
        if (write) *address = value;
        _exit(0);
    }
    int status = 0;
    while (waitpid(child, &status, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}


void kmem_shim_futex_wait(uint32_t *word, uint32_t expected, uint64_t timeout_ns) {
    struct timespec timeout = { (time_t)(timeout_ns / 1000000000ull), (long)(timeout_ns % 1000000000ull) };
    syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, expected, &timeout, NULL, 0);
}

void kmem_shim_futex_wake_all(uint32_t *word) {
    syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

// ---- rseq fast paths for the slab's per-CPU layer ------------------------------------------
//
// The block and magazine layouts are the header's (struct kmem_cpu_block, struct
// kmem_magazine), passed in as immediate operands (KMEM_RSEQ_LAYOUT). The slot holds the
// address of the block's magazines or NULL while lent out, so the fast paths only test it and
// read the loaded magazine straight from the block, one dependent load fewer. Each function is
// one restartable sequence: the kernel restarts it if the thread is preempted, migrated or
// signalled before the final (commit) instruction, so no other thread on the CPU can see a
// half-done update, with no locked instruction. The abort handler is preceded by glibc's
// registration signature. The event counter is bumped just before the commit, as the slot
// holder bumps it on the exchange path (no one else writes it while the slot is full): a
// sequence aborted between the two counts its operation twice, one instruction's window, as
// the kernel's SLUB_STATS accept racy per-CPU increments.
#if defined(__x86_64__)
#include <linux/rseq.h>
_Static_assert(sizeof(struct rseq_cs) == 32, "the descriptor below is version, flags, start, length, abort");

// One restartable sequence, numbered n (its local labels are n0..n4): the descriptor
// (version, flags, start, length, abort), arming rseq->rseq_cs, and the abort handler behind
// glibc's registration signature, which re-arms and restarts. The body runs between BEGIN and
// END; its last instruction is the commit.
#define KMEM_RSEQ_BEGIN(n) \
    ".pushsection __rseq_cs, \"aw\"\n\t" ".balign 32\n\t" #n "3:\n\t" ".long 0, 0\n\t" \
    ".quad " #n "1f, (" #n "2f - " #n "1f), " #n "4f\n\t" ".popsection\n\t" \
    #n "0:\n\t" "leaq " #n "3b(%%rip), %%rax\n\t" "movq %%rax, %c[rseq_cs](%[rs])\n\t" #n "1:\n\t"
#define KMEM_RSEQ_END(n) \
    #n "2:\n\t" ".pushsection __rseq_failure, \"ax\"\n\t" ".long 0x53053053\n\t" \
    #n "4:\n\t" "jmp " #n "0b\n\t" ".popsection\n\t"
// The offsets every sequence uses, as input operands.
#define KMEM_RSEQ_LAYOUT \
    [cpu_id] "i"(offsetof(struct rseq, cpu_id)), [rseq_cs] "i"(offsetof(struct rseq, rseq_cs)), \
    [shift] "i"(KMEM_CPU_BLOCK_SHIFT), [slot] "i"(KMEM_CPU_BLOCK_SLOT), [loaded] "i"(KMEM_CPU_BLOCK_MAGAZINES), \
    [rounds] "i"(KMEM_MAGAZINE_ROUNDS), [capacity] "i"(KMEM_MAGAZINE_CAPACITY), [objects] "i"(KMEM_MAGAZINE_OBJECTS), \
    [allocations] "i"(KMEM_CPU_BLOCK_ALLOCATIONS), [frees] "i"(KMEM_CPU_BLOCK_FREES)
// rax = this CPU's block offset (cpu << shift), or to `miss` when the CPU has no block; then to
// `miss` when the slot is lent out, else rcx = the loaded magazine.
#define KMEM_RSEQ_LOADED_MAGAZINE \
    "movl %c[cpu_id](%[rs]), %%eax\n\t" "cmpq %[cpus], %%rax\n\t" "jae %l[miss]\n\t" "shlq %[shift], %%rax\n\t" \
    "cmpq $0, %c[slot](%[blocks], %%rax)\n\t" "je %l[miss]\n\t" "movq %c[loaded](%[blocks], %%rax), %%rcx\n\t"

static inline char *rseq_area(void) {
    return (char *)__builtin_thread_pointer() + __rseq_offset;
}

int kmem_rseq_register(void) {
    if (&__rseq_size == NULL || __rseq_size == 0) return -1;
    if (syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ, 0, 0) != 0) return -2;
    return 0;
}

int kmem_rseq_fence_cpu(int cpu) {
    return (int)syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, MEMBARRIER_CMD_FLAG_CPU, cpu);
}

void *kmem_rseq_magazine_pop(char *blocks, unsigned long cpus) {
    char *rs = rseq_area();
    void *object;
    __asm__ __volatile__ goto(
        KMEM_RSEQ_BEGIN(3)
        KMEM_RSEQ_LOADED_MAGAZINE
        "movq %c[rounds](%%rcx), %%rdx\n\t"
        "testq %%rdx, %%rdx\n\t"
        "jz %l[miss]\n\t"
        "decq %%rdx\n\t"
        "movq %c[objects](%%rcx, %%rdx, 8), %[object]\n\t"
        "incq %c[allocations](%[blocks], %%rax)\n\t"
        "movq %%rdx, %c[rounds](%%rcx)\n\t"
        KMEM_RSEQ_END(3)
        : [object] "=&r"(object)
        : [rs] "r"(rs), [blocks] "r"(blocks), [cpus] "r"(cpus), KMEM_RSEQ_LAYOUT
        : "rax", "rcx", "rdx", "memory", "cc"
        : miss);
    return object;
miss:
    return NULL;
}

int kmem_rseq_magazine_push(char *blocks, unsigned long cpus, void *object) {
    char *rs = rseq_area();
    __asm__ __volatile__ goto(
        KMEM_RSEQ_BEGIN(4)
        KMEM_RSEQ_LOADED_MAGAZINE
        "movq %c[rounds](%%rcx), %%rdx\n\t"
        "cmpq %c[capacity](%%rcx), %%rdx\n\t"
        "jae %l[miss]\n\t"
        "movq %[object], %c[objects](%%rcx, %%rdx, 8)\n\t"
        "incq %%rdx\n\t"
        "incq %c[frees](%[blocks], %%rax)\n\t"
        "movq %%rdx, %c[rounds](%%rcx)\n\t"
        KMEM_RSEQ_END(4)
        :
        : [rs] "r"(rs), [blocks] "r"(blocks), [cpus] "r"(cpus), [object] "r"(object), KMEM_RSEQ_LAYOUT
        : "rax", "rcx", "rdx", "memory", "cc"
        : miss);
    return 1;
miss:
    return 0;
}

void *kmem_rseq_take_slot(char *blocks, unsigned long cpus, long *cpu_out) {
    char *rs = rseq_area();
    void *held;
    long cpu;
    __asm__ __volatile__ goto(
        KMEM_RSEQ_BEGIN(5)
        "movl %c[cpu_id](%[rs]), %k[cpu]\n\t"
        "cmpq %[cpus], %[cpu]\n\t"
        "jae %l[miss]\n\t"
        "movq %[cpu], %%rax\n\t"
        "shlq %[shift], %%rax\n\t"
        "xorl %k[held], %k[held]\n\t"
        "xchgq %[held], %c[slot](%[blocks], %%rax)\n\t"
        KMEM_RSEQ_END(5)
        : [held] "=&r"(held), [cpu] "=&r"(cpu)
        : [rs] "r"(rs), [blocks] "r"(blocks), [cpus] "r"(cpus), KMEM_RSEQ_LAYOUT
        : "rax", "memory", "cc"
        : miss);
    *cpu_out = cpu;
    return held;
miss:
    *cpu_out = -1;
    return NULL;
}

#else
int kmem_rseq_register(void) { return -1; }
int kmem_rseq_fence_cpu(int cpu) { (void)cpu; return -1; }
void *kmem_rseq_magazine_pop(char *blocks, unsigned long cpus) { (void)blocks; (void)cpus; return NULL; }
int kmem_rseq_magazine_push(char *blocks, unsigned long cpus, void *object) { (void)blocks; (void)cpus; (void)object; return 0; }
void *kmem_rseq_take_slot(char *blocks, unsigned long cpus, long *cpu_out) { (void)blocks; (void)cpus; *cpu_out = -1; return NULL; }
#endif

// ---- machine costs (`kmembench inspect --costs`) ------------------------------------------

static volatile uint64_t kmem_cost_word;

uint64_t kmem_shim_time_locked_exchanges(uint64_t iterations) {
    uint64_t start = kmem_shim_monotonic_ns();
    for (uint64_t i = 0; i < iterations; i++) {
        // What a per-CPU slot costs: take it with an exchange, give it back with a store.
        uint64_t held = __atomic_exchange_n(&kmem_cost_word, 0, __ATOMIC_ACQUIRE);
        __atomic_store_n(&kmem_cost_word, held + 1, __ATOMIC_RELEASE);
    }
    return kmem_shim_monotonic_ns() - start;
}

uint64_t kmem_shim_time_plain_stores(uint64_t iterations) {
    uint64_t start = kmem_shim_monotonic_ns();
    for (uint64_t i = 0; i < iterations; i++) {
        uint64_t held = __atomic_load_n(&kmem_cost_word, __ATOMIC_RELAXED);
        __atomic_store_n(&kmem_cost_word, held + 1, __ATOMIC_RELAXED);
    }
    return kmem_shim_monotonic_ns() - start;
}

uint64_t kmem_shim_time_malloc_pairs(void *(*malloc_fn)(size_t), void (*free_fn)(void *), size_t size,
                                     uint64_t iterations) {
    // Volatile copies: the compiler must load and call through them every time, as a
    // benchmark calling a library it loaded at run time does.
    void *(*volatile allocate)(size_t) = malloc_fn;
    void (*volatile release)(void *) = free_fn;
    uint64_t start = kmem_shim_monotonic_ns();
    for (uint64_t i = 0; i < iterations; i++) {
        unsigned char *block = allocate(size);
        if (block) *(volatile unsigned char *)block = (unsigned char)i;
        release(block);
    }
    return kmem_shim_monotonic_ns() - start;
}

uint64_t kmem_shim_time_clock_reads(uint64_t iterations) {
    uint64_t start = kmem_shim_monotonic_ns(), sink = 0;
    for (uint64_t i = 0; i < iterations; i++) sink += kmem_shim_monotonic_ns();
    kmem_cost_word = sink;
    return kmem_shim_monotonic_ns() - start;
}
