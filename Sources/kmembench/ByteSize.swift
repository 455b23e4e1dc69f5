import Foundation
import ArgumentParser
import KMemHarness

/// A byte count as users type it: 4096, 64K, 16M, 1G (binary units; "KiB", "MB" also accepted).
struct ByteSize: ExpressibleByArgument, CustomStringConvertible {
    let bytes: Int

    init?(argument: String) {
        guard let bytes = ByteSize.parse(argument) else { return nil }
        self.bytes = bytes
    }

    static func parse(_ text: String) -> Int? { ByteCount.parse(text) }

    var description: String { "\(bytes)" }
    static var defaultCompletionKind: CompletionKind { .default }
}

