import ArgumentParser

@main
struct KMemBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kmembench",
        abstract: "Models the Linux kernel's memory allocators in user space and benchmarks them "
            + "against glibc, jemalloc, tcmalloc and mimalloc.",
        subcommands: [Run.self, Tune.self, Report.self, Compare.self, Merge.self, List.self, Inspect.self, TraceCommand.self, Cell.self])
}
