extension Summary {
    /// The engine a CSV's ratios are taken against: the `reference` column the run wrote,
    /// or for files written before that column, the first row's engine (what `run` defaults
    /// to, since the first row is the first engine's).
    public static func reference(of records: [ResultRecord]) -> NamedSpec? {
        guard let first = records.first else { return nil }
        let text = first[.reference].isEmpty ? first.engineSpec : first[.reference]
        return try? NamedSpec(parsing: text, what: "engine")
    }
}
