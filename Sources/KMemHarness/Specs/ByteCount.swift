import Foundation

/// Byte counts as users type them: 4096, 64K, 16M, 1G (binary units; KB, KiB, MB ... too).
public enum ByteCount {
    public static func parse(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        let digits = trimmed.prefix { $0.isNumber }
        guard let value = Int(digits), !digits.isEmpty else { return nil }
        let shifts: [String: Int] = ["": 0, "B": 0, "K": 10, "KB": 10, "KIB": 10, "M": 20, "MB": 20,
                                     "MIB": 20, "G": 30, "GB": 30, "GIB": 30]
        guard let shift = shifts[String(trimmed.dropFirst(digits.count))] else { return nil }
        let (result, overflow) = value.multipliedReportingOverflow(by: 1 << shift)
        return overflow ? nil : result
    }
}
