/// The audit's map of page frames: which place holds each one. A frame claimed twice is
/// recorded once per run of frames with the same two places, naming both.
struct FrameMap {
    /// The place of each frame, by index into `places`; 0xFFFF for none. Two bytes a frame:
    /// the audit runs in the cell's process, whose peak RSS is measured.
    private var owner: [UInt16]
    private(set) var places = PlaceTable()
    var violations: [AuditViolation] = []

    private static let none = UInt16.max

    init(pageCount: Int) { owner = [UInt16](repeating: FrameMap.none, count: pageCount) }

    var pageCount: Int { owner.count }

    /// The place holding `pfn`, if any.
    func owner(of pfn: Int) -> String? { owner[pfn] != FrameMap.none ? places.names[Int(owner[pfn])] : nil }

    /// `count` frames from `pfn` are in `place`. Frames another place holds already stay there
    /// and are reported; frames outside physical memory are reported too.
    mutating func claim(_ pfn: Int, count: Int = 1, as place: String) {
        let index = UInt16(places.index(place))
        guard pfn >= 0, pfn + count <= owner.count else {
            violations.append(AuditViolation(.listCorrupt, "\(place) names page frames \(pfn)..<\(pfn + count), "
                                             + "outside physical memory (0..<\(owner.count))"))
            return
        }
        var conflict: (frames: Range<Int>, other: UInt16)?
        for frame in pfn..<pfn + count {
            let other = owner[frame]
            if other == FrameMap.none {
                owner[frame] = index
                places.count(Int(index))
            } else if let run = conflict, run.other == other, run.frames.upperBound == frame {
                conflict = (run.frames.lowerBound..<frame + 1, other)
            } else {
                if let run = conflict { reportDouble(run.frames, places.names[Int(run.other)], place) }
                conflict = (frame..<frame + 1, other)
            }
        }
        if let run = conflict { reportDouble(run.frames, places.names[Int(run.other)], place) }
    }

    private mutating func reportDouble(_ range: Range<Int>, _ first: String, _ second: String) {
        let frames = range.count == 1 ? "page frame \(range.lowerBound)" : "page frames \(range.lowerBound)...\(range.upperBound - 1)"
        let places = first == second ? "twice in \(first)" : "in two places: \(first) and \(second)"
        violations.append(AuditViolation(.frameInTwoPlaces, "\(frames) \(places)"))
    }

    /// Runs of frames no place holds.
    func unclaimed() -> [Range<Int>] {
        var runs: [Range<Int>] = []
        var start = -1
        for pfn in 0...owner.count {
            let free = pfn < owner.count && owner[pfn] == FrameMap.none
            if free && start < 0 { start = pfn }
            if !free && start >= 0 {
                runs.append(start..<pfn)
                start = -1
            }
        }
        return runs
    }
}
