/// Reading a machine's /proc/zoneinfo: the managed pages of the zones the model has, so that
/// `zoneSetup` can compute what the model would set up for that machine.
public enum Zoneinfo {
    /// Managed pages of DMA, DMA32 and Normal (0 for a zone the file lacks). Zones the model
    /// does not have (Movable, Device) must manage no pages; a malformed file is an error naming
    /// the line.
    public static func managedPages(_ text: String) throws(KMemError) -> [Int] {
        var managed = [0, 0, 0]
        var zone: String?
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let fields = line.split(separator: " ")
            if fields.first == "Node", fields.count >= 4, fields[2] == "zone" {
                zone = String(fields[3])
            } else if fields.first == "managed", let zone {
                guard fields.count == 2, let pages = Int(fields[1]), pages >= 0 else {
                    throw .configuration("zoneinfo line \(number + 1): cannot read managed pages from '\(line)'")
                }
                switch zone {
                case "DMA": managed[0] += pages
                case "DMA32": managed[1] += pages
                case "Normal": managed[2] += pages
                default:
                    guard pages == 0 else {
                        throw .configuration("zoneinfo line \(number + 1): zone \(zone) manages \(pages) pages; the model has DMA, DMA32 and Normal only")
                    }
                }
            }
        }
        guard managed.contains(where: { $0 > 0 }) else {
            throw .configuration("zoneinfo: no DMA, DMA32 or Normal zone with managed pages found")
        }
        return managed
    }
}
