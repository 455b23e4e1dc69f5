import Foundation

/// An engine or workload as users name it: `NAME[:key=value,...]`, for example
/// `kmem:pcp_batch=31` or `pair:kind=pages,size=64`. Keys keep the order they were written
/// in, so the CSV's params column reads back as typed.
public struct NamedSpec: Hashable, Sendable, CustomStringConvertible {
    public let name: String
    public let parameters: [Parameter]

    public struct Parameter: Hashable, Sendable {
        public let key: String
        public let value: String
    }

    public init(name: String, parameters: [Parameter] = []) {
        self.name = name
        self.parameters = parameters
    }

    /// Parses `NAME[:key=value,...]`. `what` ("engine", "workload") names the thing in errors.
    public init(parsing text: String, what: String) throws(SpecError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard let head = parts.first, !head.isEmpty else { throw .malformed("empty \(what) name in '\(text)'") }
        guard !head.contains("=") else {
            throw .malformed("'\(trimmed)' is a parameter with no \(what) before it (write NAME:\(trimmed))")
        }
        var parameters: [Parameter] = []
        if parts.count == 2 {
            for item in parts[1].split(separator: ",", omittingEmptySubsequences: false) {
                let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard pair.count == 2, !pair[0].isEmpty, !pair[1].isEmpty else {
                    throw .malformed("malformed \(what) parameter '\(item)' in '\(text)': expected key=value")
                }
                guard !parameters.contains(where: { $0.key == String(pair[0]) }) else {
                    throw .malformed("\(what) parameter '\(pair[0])' given twice in '\(text)'")
                }
                parameters.append(Parameter(key: String(pair[0]), value: String(pair[1])))
            }
        }
        self.init(name: String(head), parameters: parameters)
    }

    /// The parameters as written, `key=value` joined by commas ("" when none).
    public var parameterText: String { parameters.map { "\($0.key)=\($0.value)" }.joined(separator: ",") }

    public var description: String { parameters.isEmpty ? name : "\(name):\(parameterText)" }

    public func value(_ key: String) -> String? { parameters.first { $0.key == key }?.value }
}

/// Bad input in an engine or workload spec. Each message names the problem and what is allowed.
public struct SpecError: Error, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
    public static func malformed(_ message: String) -> SpecError { SpecError(message) }
}
