import Foundation

/// The summary beside a results CSV: per (engine, workload, threads) and their parameters,
/// the median of each figure over the `ok` repetitions, a 95% confidence interval of the
/// median ns/op, and the ratio of medians against the reference engine with a paired
/// bootstrap 95% interval (Kalibera and Jones: compare inside one run, as ratios; the run
/// interleaves engines, so repetition r of a cell ran next to repetition r of the reference).
public enum Summary {
    /// One group's rows and the figures several of its columns share.
    struct Group {
        let rows: [ResultRecord]
        let ok: [ResultRecord]
        let nsPerOp: [Double]
        let interval: ClosedRange<Double>?
        /// The engine the ratio is actually against (referenceRows).
        let reference: String
        let ratio: (value: Double, interval: ClosedRange<Double>)?
        /// The workload's headline figure, its median, and its ratio against the reference.
        let headline: Headline
        let headlineMedian: Double?
        let headlineRatio: (value: Double, interval: ClosedRange<Double>)?

        var first: ResultRecord { rows[0] }
    }

    public static func make(_ records: [ResultRecord], reference: NamedSpec) -> [SummaryRecord] {
        var order: [[String]] = []
        var groups: [[String]: [ResultRecord]] = [:]
        for record in records {
            if groups[record.group] == nil { order.append(record.group) }
            groups[record.group, default: []].append(record)
        }
        return order.map { key in
            let rows = groups[key]!
            let ok = rows.filter(\.isOK)
            let nsPerOp = ok.compactMap { $0.number(.nsPerOp) }
            let (used, referenceRows) = referenceRows(for: key, reference: reference, engines: order, groups)
            let (mine, theirs) = paired(ok, referenceRows, Headline.nsPerOp)
            let headline = Headline.of(workload: rows[0][.workload])
            let (myHeadline, theirHeadline) = paired(ok, referenceRows, headline)
            let group = Group(rows: rows, ok: ok, nsPerOp: nsPerOp, interval: medianInterval(nsPerOp), reference: used,
                              ratio: ratio(mine, theirs, paired: true), headline: headline,
                              headlineMedian: median(ok.compactMap(headline.value)),
                              headlineRatio: ratio(myHeadline, theirHeadline, paired: true))
            return SummaryRecord { $0.value(group) }
        }
    }

    /// The reference engine's ok rows for a group's workload and threads, and the engine used:
    /// the chosen reference when it has ok runs there, else the first engine of the run that
    /// has (a reference that skips a workload, as kmem's page-only rows or mmap do, would
    /// leave the ratio column empty).
    static func referenceRows(for key: [String], reference: NamedSpec, engines order: [[String]],
                              _ groups: [[String]: [ResultRecord]]) -> (String, [ResultRecord]) {
        let chosen = [reference.name, reference.parameterText]
        var seen = Set<[String]>()
        let candidates = ([chosen] + order.map { Array($0[0...1]) }).filter { seen.insert($0).inserted }
        for engine in candidates {
            let rows = (groups[engine + key[2...]] ?? []).filter { $0.isOK && $0.number(.nsPerOp) != nil }
            if !rows.isEmpty { return (engine[1].isEmpty ? engine[0] : "\(engine[0]):\(engine[1])", rows) }
        }
        return (reference.description, [])
    }

    /// A figure of the repetitions both sides ran, in repetition order: the pairs that ran
    /// next to each other (a repetition one side lost drops out of both).
    static func paired(_ rows: [ResultRecord], _ reference: [ResultRecord], _ figure: Headline) -> ([Double], [Double]) {
        var theirs: [String: Double] = [:]
        for row in reference { if theirs[row[.repetition]] == nil { theirs[row[.repetition]] = figure.value(row) } }
        let pairs = rows.compactMap { row in figure.value(row).flatMap { mine in theirs[row[.repetition]].map { (mine, $0) } } }
        return (pairs.map(\.0), pairs.map(\.1))
    }

    static func format(_ value: Double?) -> String { value.map(ResultRecord.format) ?? "" }

    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// The distribution-free interval of the median from order statistics: the widest k with
    /// P(Binomial(n, 1/2) < k) <= 2.5% gives [x(k), x(n+1-k)]. Below 6 values no such k
    /// exists and the interval is min...max, which then covers less than 95%.
    static func medianInterval(_ values: [Double]) -> ClosedRange<Double>? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted(), n = sorted.count
        var k = 0, cumulative = 0.0, term = pow(0.5, Double(n)) // P(X = 0)
        while k < n / 2 {
            cumulative += term
            guard cumulative <= 0.025 else { break }
            k += 1
            term *= Double(n - k + 1) / Double(k)
        }
        let low = max(k, 1)
        return sorted[low - 1]...sorted[n - low]
    }

    /// The ratio of medians a / b and its bootstrap 95% interval (2000 resamples, fixed seed
    /// so that the summary of a CSV is always the same). `paired`: a[i] and b[i] ran next to
    /// each other, so each resample draws indices once for both, keeping what the pair shared
    /// (a noisy second on the machine) out of the interval.
    static func ratio(_ a: [Double], _ b: [Double], paired: Bool = false) -> (value: Double, interval: ClosedRange<Double>)? {
        guard let medianA = median(a), let medianB = median(b), medianB > 0 else { return nil }
        precondition(!paired || a.count == b.count, "paired samples of \(a.count) and \(b.count)")
        var random = Random(seed: 0x5EED, stream: 0)
        let resamples = (0..<2000).map { _ in
            let picksA = (0..<a.count).map { _ in random.below(a.count) }
            let picksB = paired ? picksA : (0..<b.count).map { _ in random.below(b.count) }
            let (resampledA, resampledB) = (median(picksA.map { a[$0] })!, median(picksB.map { b[$0] })!)
            // A resample may draw only zeros of b (no drops, say): against nothing, something
            // is unboundedly more and nothing is the same.
            guard resampledB > 0 else { return resampledA > 0 ? Double.infinity : 1 }
            return resampledA / resampledB
        }.sorted()
        return (medianA / medianB, resamples[49]...resamples[1949])
    }
}
