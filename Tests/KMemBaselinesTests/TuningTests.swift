import KMemBaselines
import Testing

@Suite struct TuningTests {
    @Test func jemallocParametersGoToMallocConf() throws {
        let environment = try BaselineAllocator.jemalloc.environment(
            for: ["narenas": "2", "tcache_max": "4096", "percpu_arena": "percpu"])
        #expect(environment["MALLOC_CONF"] == "tcache_max:4096,narenas:2,percpu_arena:percpu")
        #expect(environment["GLIBC_TUNABLES"] == StaticTLS.tunable)
    }

    @Test func glibcParametersGoToTunables() throws {
        let environment = try BaselineAllocator.glibc.environment(for: ["arena_max": "1", "tcache_count": "0"])
        #expect(environment == ["GLIBC_TUNABLES": "glibc.malloc.tcache_count=0:glibc.malloc.arena_max=1"])
        #expect(try BaselineAllocator.glibc.environment(for: [:]) == [:])
    }

    @Test func unknownKeyIsNamedWithTheAllowedOnes() {
        #expect(throws: BaselineTuningError.unknownKey(
            .jemalloc, key: "lg_chunk", allowed: ["tcache_max", "narenas", "percpu_arena"])) {
            _ = try BaselineAllocator.jemalloc.environment(for: ["lg_chunk": "21"])
        }
        let error = BaselineTuningError.unknownKey(.glibc, key: "x", allowed: BaselineAllocator.glibc.tuningKeys)
        #expect(error.description == "unknown glibc tuning parameter 'x' (allowed: tcache_count, tcache_max, arena_max)")
        #expect(throws: BaselineTuningError.self) {
            _ = try BaselineAllocator.mimalloc.environment(for: ["arena_eager_commit": "1"])
        }
    }

    @Test func invalidValuesAreRejected() {
        #expect(throws: BaselineTuningError.self) {
            _ = try BaselineAllocator.jemalloc.environment(for: ["percpu_arena": "yes"])
        }
        #expect(throws: BaselineTuningError.self) {
            _ = try BaselineAllocator.glibc.environment(for: ["arena_max": "-1"])
        }
    }
}
