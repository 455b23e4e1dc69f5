/// Printing and parsing GFP masks the way the kernel prints them (%pGg): composites first,
/// then the remaining single bits, joined by "|".
extension GFP: CustomStringConvertible {
    /// Names in the kernel's matching order: a composite is taken whole when all its bits are
    /// present, so GFP_KERNEL|__GFP_ZERO prints as such rather than as its bits.
    public static let names: [(name: String, flags: GFP)] = [
        ("GFP_HIGHUSER_MOVABLE", .highuserMovable),
        ("GFP_HIGHUSER", .highuser),
        ("GFP_USER", .user),
        ("GFP_KERNEL_ACCOUNT", .kernelAccount),
        ("GFP_KERNEL", .kernel),
        ("GFP_NOFS", .nofs),
        ("GFP_ATOMIC", .atomic),
        ("GFP_NOIO", .noio),
        ("GFP_NOWAIT", .nowait),
        ("GFP_DMA", .dmaType),
        ("__GFP_HIGHMEM", .highmem),
        ("GFP_DMA32", .dma32Type),
        ("__GFP_HIGH", .high),
        ("__GFP_IO", .io),
        ("__GFP_FS", .fs),
        ("__GFP_ZERO", .zero),
        ("__GFP_DIRECT_RECLAIM", .directReclaim),
        ("__GFP_KSWAPD_RECLAIM", .kswapdReclaim),
        ("__GFP_NOWARN", .nowarn),
        ("__GFP_RETRY_MAYFAIL", .retryMayfail),
        ("__GFP_NOFAIL", .nofail),
        ("__GFP_NORETRY", .noretry),
        ("__GFP_MEMALLOC", .memalloc),
        ("__GFP_NOMEMALLOC", .nomemalloc),
        ("__GFP_HARDWALL", .hardwall),
        ("__GFP_ACCOUNT", .account),
        ("__GFP_COMP", .comp),
        ("__GFP_MOVABLE", .movable),
        ("__GFP_RECLAIMABLE", .reclaimable),
    ]

    /// Aliases accepted when parsing but never printed.
    static let parseAliases: [String: GFP] = [
        "__GFP_DMA": .dma, "__GFP_DMA32": .dma32, "__GFP_RECLAIM": .reclaim, "0": [],
    ]

    public var description: String {
        if isEmpty { return "0" }
        var rest = self
        var parts: [String] = []
        for (name, flags) in GFP.names where rest.isSuperset(of: flags) {
            parts.append(name)
            rest.subtract(flags)
        }
        return parts.joined(separator: "|")
    }

    /// Parses "GFP_KERNEL|__GFP_ZERO" (spaces around "|" allowed). Unknown names are an error
    /// that names them and lists what is accepted.
    public init(parsing text: String) throws(GFPParseError) {
        var flags: GFP = []
        let tokens = text.split(separator: "|", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: " \t") }
        for token in tokens {
            if token.isEmpty { throw GFPParseError(text: text, token: token) }
            if let match = GFP.names.first(where: { $0.name == token }) {
                flags.formUnion(match.flags)
            } else if let alias = GFP.parseAliases[token] {
                flags.formUnion(alias)
            } else {
                throw GFPParseError(text: text, token: token)
            }
        }
        self = flags
    }
}

public struct GFPParseError: Error, CustomStringConvertible, Equatable {
    public let text: String
    public let token: String

    public var description: String {
        let what = token.isEmpty ? "an empty flag name" : "unknown GFP flag '\(token)'"
        return "\(what) in '\(text)'; known flags: "
            + GFP.names.map(\.name).joined(separator: ", ")
    }
}

extension StringProtocol {
    func trimmingCharacters(in set: String) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice.removeFirst() }
        while let last = slice.last, set.contains(last) { slice.removeLast() }
        return String(slice)
    }
}
