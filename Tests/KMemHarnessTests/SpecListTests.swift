@testable import KMemHarness
import Testing

@Suite("spec lists") struct SpecListTests {
    @Test("',' and ';' separate specs; key=value continues the spec before it", arguments: [
        ("kmem:percpu=bonwick,kmem:percpu=sheaves", ["kmem:percpu=bonwick", "kmem:percpu=sheaves"]),
        ("kmem:percpu=slub,magazine=8,jemalloc", ["kmem:percpu=slub,magazine=8", "jemalloc"]),
        ("pair;batch", ["pair", "batch"]),
        ("pair,batch:count=10,size=64;cross-free", ["pair", "batch:count=10,size=64", "cross-free"]),
        ("trace:file=/tmp/a:b.kmt,speed=max", ["trace:file=/tmp/a:b.kmt,speed=max"]),
        (" kmem , glibc ", ["kmem", "glibc"]),
    ])
    func split(text: String, expected: [String]) {
        #expect(SpecList.split(text) == expected)
    }

    @Test("a stray parameter or an empty item is kept for the spec parser to name")
    func malformed() {
        #expect(SpecList.split("magazine=8,kmem") == ["magazine=8", "kmem"])
        #expect(SpecList.split("kmem,,glibc") == ["kmem", "", "glibc"])
        #expect(throws: SpecError.malformed("'magazine=8' is a parameter with no engine before it (write NAME:magazine=8)")) {
            try NamedSpec(parsing: "magazine=8", what: "engine")
        }
    }
}
