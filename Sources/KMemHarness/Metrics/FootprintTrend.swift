/// A least-squares line through footprint readings over time, with the 95% confidence
/// interval of its slope (Student's t on the residuals): a soak's "does it grow?" as a
/// figure a reader can check, not a yes or no.
public struct FootprintTrend: Sendable, Equatable {
    /// Bytes per minute.
    public let slope: Double
    /// Half-width of the slope's 95% interval, bytes per minute.
    public let slopeHalfWidth: Double
    /// Mean of the readings fitted.
    public let mean: Double
    public let readings: Int

    /// The fit of `bytes` read at `minutes`; nil with fewer than three readings (two points
    /// leave no residual to bound the slope with) or readings all at one time.
    public init?(minutes: [Double], bytes: [Double]) {
        precondition(minutes.count == bytes.count, "one time per reading")
        let n = Double(minutes.count)
        guard minutes.count >= 3 else { return nil }
        let meanX = minutes.reduce(0, +) / n, meanY = bytes.reduce(0, +) / n
        let sxx = minutes.reduce(0) { $0 + ($1 - meanX) * ($1 - meanX) }
        guard sxx > 0 else { return nil }
        let sxy = zip(minutes, bytes).reduce(0) { $0 + ($1.0 - meanX) * ($1.1 - meanY) }
        let slope = sxy / sxx
        let residuals = zip(minutes, bytes).reduce(0) { sum, point in
            let error = point.1 - (meanY + slope * (point.0 - meanX))
            return sum + error * error
        }
        self.slope = slope
        slopeHalfWidth = Self.t975(degreesOfFreedom: minutes.count - 2) * (residuals / (n - 2) / sxx).squareRoot()
        mean = meanY
        readings = minutes.count
    }

    /// A fit as a soak row's figures recorded it.
    public init(slope: Double, slopeHalfWidth: Double, mean: Double, readings: Int) {
        self.slope = slope
        self.slopeHalfWidth = slopeHalfWidth
        self.mean = mean
        self.readings = readings
    }

    /// Growth an hour at this slope, as a share of the mean footprint (0 when it is empty).
    public var hourlyGrowthShare: Double { mean > 0 ? slope * 60 / mean : 0 }

    public enum Verdict: String, Sendable {
        case flat, grows, shrinks
    }

    /// The largest hourly growth still called flat: below it, a slope the interval cannot
    /// put at zero is a cache settling, not a leak worth a row's attention.
    public static let flatHourlyShare = 0.01

    /// `grows` (or `shrinks`) only when the whole interval lies above (below) zero and the
    /// hourly change exceeds `flatHourlyShare` of the mean footprint.
    public var verdict: Verdict {
        guard abs(hourlyGrowthShare) > Self.flatHourlyShare || mean == 0 && slope != 0 else { return .flat }
        if slope - slopeHalfWidth > 0 { return .grows }
        if slope + slopeHalfWidth < 0 { return .shrinks }
        return .flat
    }

    /// The 97.5% quantile of Student's t: the table to 30 degrees of freedom, then
    /// 1.96 + 2.4/df, within 0.005 of the exact value beyond it.
    static func t975(degreesOfFreedom df: Int) -> Double {
        let table = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                     2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                     2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]
        precondition(df >= 1, "a t quantile needs a degree of freedom")
        return df <= table.count ? table[df - 1] : 1.96 + 2.4 / Double(df)
    }
}
