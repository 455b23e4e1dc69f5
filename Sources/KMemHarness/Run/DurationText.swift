import Foundation

/// Durations as users type them: 2s, 500ms, 1.5s, 1m, or a bare number of seconds.
public enum DurationText {
    public static func seconds(_ text: String) throws(SpecError) -> Double {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [("ms", 1e-3), ("us", 1e-6), ("s", 1), ("m", 60), ("", 1)]
        for (suffix, scale) in units where trimmed.hasSuffix(suffix) {
            guard let value = Double(trimmed.dropLast(suffix.count)), value.isFinite else { continue }
            guard value > 0 else { throw SpecError("duration must be positive, got '\(text)'") }
            return value * scale
        }
        throw SpecError("malformed duration '\(text)': expected a number with s, ms, us or m (e.g. 2s, 500ms)")
    }
}
