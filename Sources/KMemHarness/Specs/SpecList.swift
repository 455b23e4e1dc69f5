/// A command line's list of specs ("kmem:percpu=slub,magazine=8,jemalloc;glibc"): ';' always
/// separates specs; within a part, ',' separates specs and a spec's parameters alike, told apart
/// by shape: `key=value` continues the spec before it, anything else (`name` or `name:key=value`)
/// starts a new one.
public enum SpecList {
    public static func split(_ text: String) -> [String] {
        var specs: [String] = []
        for part in text.split(separator: ";") {
            var current: String?
            for token in part.split(separator: ",", omittingEmptySubsequences: false) {
                let item = token.trimmingCharacters(in: .whitespaces)
                if let spec = current, continuesSpec(item) {
                    current = spec + "," + item
                } else {
                    if let spec = current { specs.append(spec) }
                    current = item
                }
            }
            if let spec = current { specs.append(spec) }
        }
        return specs
    }

    /// `key=value`: '=' before any ':' (a value may hold ':', as a path does).
    static func continuesSpec(_ item: String) -> Bool {
        guard let equals = item.firstIndex(of: "=") else { return false }
        return item.firstIndex(of: ":").map { $0 > equals } ?? true
    }
}
