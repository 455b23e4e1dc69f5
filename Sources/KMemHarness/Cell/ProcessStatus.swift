import Foundation

/// Fields of /proc/self/status, in kB: the kernel's own account of this process's memory.
enum ProcessStatus {
    /// VmHWM: peak resident set size.
    static var peakRSSKB: Int { field("VmHWM:") ?? 0 }
    /// VmRSS: resident set size now.
    static var rssKB: Int { field("VmRSS:") ?? 0 }

    /// Restarts VmHWM from the resident set now (clear_refs 5: this process's own counter).
    /// False when the kernel refuses, and VmHWM then still holds the process's whole peak.
    static func resetPeakRSS() -> Bool {
        (try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)) != nil
    }

    private static func field(_ name: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name) }) else { return nil }
        return Int(line.dropFirst(name.count).trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "")
    }
}
