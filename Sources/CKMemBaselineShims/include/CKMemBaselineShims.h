// The baseline allocators' C half (KMemBaselines): call trampolines with uniform shapes for
// the allocators loaded at run time, and what StaticTLS needs from libc (it cannot also
// import Glibc).
//
// Like CKMemShims, this header must not define _GNU_SOURCE; what needs GNU extensions is in
// baseline_shims.c.
#ifndef CKMEMBASELINESHIMS_H
#define CKMEMBASELINESHIMS_H

#include <dlfcn.h> // dlopen, RTLD_NOLOAD: the allocators are loaded at run time
#include <stddef.h>
#include <unistd.h> // execve, for StaticTLS
#include <malloc.h> // struct mallinfo2, for glibc's statistics
#include <stdlib.h> // getenv, free, for StaticTLS, which cannot also import Glibc
#include <string.h> // strdup

/// Entry points of dlopen'ed allocators whose C shape differs from the uniform one the
/// benchmarks call (jemalloc wants a flags argument, glibc has no sized free). KMemBaselines
/// fills this once, under its load lock, before any trampoline below can be reached.
/// Weak so that this header can define it: every includer shares the one copy.
struct kmem_baseline_entry_points {
    void *(*je_mallocx)(size_t size, int flags);
    void (*je_sdallocx)(void *ptr, size_t size, int flags);
    void (*libc_free)(void *ptr);
};
__attribute__((weak)) struct kmem_baseline_entry_points kmem_baseline_entry_points;

static inline void kmem_baseline_set_jemalloc(void *mallocx, void *sdallocx) {
    kmem_baseline_entry_points.je_mallocx = (void *(*)(size_t, int))mallocx;
    kmem_baseline_entry_points.je_sdallocx = (void (*)(void *, size_t, int))sdallocx;
}
static inline void kmem_baseline_set_libc_free(void *libc_free) {
    kmem_baseline_entry_points.libc_free = (void (*)(void *))libc_free;
}

// Trampolines with the uniform shapes. Each compiles to a register fix-up and a tail jump
// through the table: the only cost beyond the caller's indirect call.
// jemalloc's MALLOCX_ALIGN(a) is lg2(a) in the low flag bits.
static inline void kmem_baseline_je_sized_free(void *ptr, size_t size) {
    kmem_baseline_entry_points.je_sdallocx(ptr, size, 0);
}
static inline void *kmem_baseline_je_aligned_alloc(size_t alignment, size_t size) {
    return kmem_baseline_entry_points.je_mallocx(size, __builtin_ctzl(alignment));
}
static inline void kmem_baseline_je_aligned_sized_free(void *ptr, size_t size, size_t alignment) {
    kmem_baseline_entry_points.je_sdallocx(ptr, size, __builtin_ctzl(alignment));
}
// glibc 2.36 has no free_sized: a sized free is a plain free.
static inline void kmem_baseline_libc_sized_free(void *ptr, size_t size) {
    (void)size;
    kmem_baseline_entry_points.libc_free(ptr);
}
static inline void kmem_baseline_libc_aligned_sized_free(void *ptr, size_t size, size_t alignment) {
    (void)size;
    (void)alignment;
    kmem_baseline_entry_points.libc_free(ptr);
}

/// The process environment, for re-executing with an added tunable; Swift 6 rejects the
/// mutable global `environ` itself.
char **kmem_baseline_environ(void);

#endif
