// The shims that need GNU extensions; the header stays feature-neutral (see its comment).
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <limits.h>
#include <linux/futex.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
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

char **kmem_shim_environ(void) { return environ; }

void kmem_shim_futex_wait(uint32_t *word, uint32_t expected, uint64_t timeout_ns) {
    struct timespec timeout = { (time_t)(timeout_ns / 1000000000ull), (long)(timeout_ns % 1000000000ull) };
    syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, expected, &timeout, NULL, 0);
}

void kmem_shim_futex_wake_all(uint32_t *word) {
    syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}
