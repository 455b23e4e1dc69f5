import Foundation

/// Fields of /proc/self/status, in kB: the kernel's own account of this process's memory.
enum ProcessStatus {
    /// VmHWM: peak resident set size.
    static var peakRSSKB: Int { field("VmHWM:") ?? 0 }
    /// VmRSS: resident set size now.
    static var rssKB: Int { field("VmRSS:") ?? 0 }

    private static func field(_ name: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name) }) else { return nil }
        return Int(line.dropFirst(name.count).trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "")
    }
}
