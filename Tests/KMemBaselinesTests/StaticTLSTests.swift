@testable import KMemBaselines
import Testing

@Suite struct StaticTLSTests {
    @Test func addsTheTunableWhenAbsent() {
        let environment = StaticTLS.environment(adding: ["PATH": "/bin"])
        #expect(environment == ["PATH": "/bin", "GLIBC_TUNABLES": StaticTLS.tunable])
    }

    @Test func mergesWithOtherTunables() {
        let environment = StaticTLS.environment(adding: ["GLIBC_TUNABLES": "glibc.malloc.arena_max=1"])
        #expect(environment["GLIBC_TUNABLES"] == "glibc.malloc.arena_max=1:" + StaticTLS.tunable)
    }

    @Test func replacesATooSmallSettingAndKeepsALargeOne() {
        let small = "glibc.rtld.optional_static_tls=512:glibc.malloc.arena_max=1"
        #expect(StaticTLS.environment(adding: ["GLIBC_TUNABLES": small])["GLIBC_TUNABLES"]
            == "glibc.malloc.arena_max=1:" + StaticTLS.tunable)
        let large = "glibc.rtld.optional_static_tls=0x10000"
        #expect(StaticTLS.environment(adding: ["GLIBC_TUNABLES": large])["GLIBC_TUNABLES"] == large)
    }

    @Test func recognisesAConfiguredValue() {
        #expect(StaticTLS.isConfigured(tunables: StaticTLS.tunable))
        #expect(StaticTLS.isConfigured(tunables: "a=1:glibc.rtld.optional_static_tls=32768"))
        #expect(!StaticTLS.isConfigured(tunables: "glibc.rtld.optional_static_tls=4096"))
        #expect(!StaticTLS.isConfigured(tunables: "glibc.malloc.arena_max=1"))
    }
}
