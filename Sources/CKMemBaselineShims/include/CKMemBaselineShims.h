// The baseline allocators' C half (KMemBaselines): what loading them and StaticTLS need from
// libc (KMemBaselines cannot also import Glibc).
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

/// The process environment, for re-executing with an added tunable; Swift 6 rejects the
/// mutable global `environ` itself.
char **kmem_baseline_environ(void);

#endif
