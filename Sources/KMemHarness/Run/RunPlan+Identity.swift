extension RunPlan {
    /// Names the whole plan, whichever shard runs: every input that decides which cells exist
    /// and how each is measured, hashed (FNV-1a, 64 bits: stable across processes and
    /// machines, unlike Swift's seeded Hasher). Shards of one plan share it; `merge` refuses
    /// files whose plans differ.
    public var identity: String {
        let text = [
            suite, engines.map(\.description).joined(separator: ";"), workloads.map(\.description).joined(separator: ";"),
            threads.map(String.init).joined(separator: ","), "\(repetitions)", reference.description,
            "\(options.seed)", "\(options.duration)", options.rounds.map(String.init) ?? "-", "\(options.samplePeriod)",
            "\(options.affinity)", "\(options.preciseTimer)", "\(options.resourceInterval)", "\(options.warmup)",
            options.soakPass.map { "\($0)" } ?? "-",
        ].joined(separator: "|")
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
