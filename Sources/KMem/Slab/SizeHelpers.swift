/// The kernel's overflow-safe size arithmetic (include/linux/overflow.h): on overflow (or a
/// negative input) the result saturates to the largest size, so the allocation that uses it
/// fails instead of being too small.

/// array_size(a, b).
public func arraySize(_ a: Int, _ b: Int) -> Int {
    guard a >= 0, b >= 0 else { return Int.max }
    let (product, overflow) = a.multipliedReportingOverflow(by: b)
    return overflow ? Int.max : product
}

/// array3_size(a, b, c).
public func array3Size(_ a: Int, _ b: Int, _ c: Int) -> Int { arraySize(arraySize(a, b), c) }

/// struct_size: a header followed by `count` trailing elements.
public func structSize(header: Int, element: Int, count: Int) -> Int {
    let array = arraySize(element, count)
    guard header >= 0, array != Int.max else { return Int.max }
    let (sum, overflow) = header.addingReportingOverflow(array)
    return overflow ? Int.max : sum
}
