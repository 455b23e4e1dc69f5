import Foundation

/// The command an interrupted run prints to finish itself.
extension MeasureOptions {
    /// This process's command line, with `--resume FILE` in place of any it had, shell-quoted.
    static func resumeCommand(_ file: String) -> String {
        var arguments: [String] = [], words = CommandLine.arguments[...]
        while let word = words.popFirst() {
            if word == "--resume" { _ = words.popFirst() } else if !word.hasPrefix("--resume=") { arguments.append(word) }
        }
        return (arguments + ["--resume", file]).map(shellQuoted).joined(separator: " ")
    }

    static func shellQuoted(_ word: String) -> String {
        let plain = word.allSatisfy { $0.isLetter || $0.isNumber || "_/.,:=@%+-".contains($0) }
        return plain && !word.isEmpty ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
