/// A citation: something in the inputs a hypothesis rests on. Every piece of evidence must
/// resolve to an indexed input (the engine's grounding check drops any that does not).
public struct Evidence: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, Hashable, CaseIterable {
        case log, metric, config, eval, cache, template, other
    }

    public var kind: Kind
    /// Path relative to the run folder; `baseline:` prefix for the baseline run's files.
    public var source: String
    public var line: Int?
    public var step: Int?
    public var time: Double?
    public var rank: Int?
    /// The cited text (redacted before any output).
    public var excerpt: String
    /// True where it supports the hypothesis, false where it argues against it.
    public var supports: Bool
    /// For metric evidence: the metric and value; for config evidence: the key and old/new values.
    public var metric: String?
    public var value: Double?
    public var key: String?
    public var oldValue: String?
    public var newValue: String?

    public init(kind: Kind, source: String, line: Int? = nil, step: Int? = nil, time: Double? = nil,
                rank: Int? = nil, excerpt: String, supports: Bool = true, metric: String? = nil,
                value: Double? = nil, key: String? = nil, oldValue: String? = nil, newValue: String? = nil) {
        self.kind = kind; self.source = source; self.line = line; self.step = step; self.time = time
        self.rank = rank; self.excerpt = excerpt; self.supports = supports; self.metric = metric
        self.value = value; self.key = key; self.oldValue = oldValue; self.newValue = newValue
    }

    enum CodingKeys: String, CodingKey {
        case kind, source, line, step, time, rank, excerpt, supports, metric, value, key
        case oldValue = "old_value", newValue = "new_value"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        try c.encode(source, forKey: .source)
        try c.encodeIfPresent(line, forKey: .line)
        try c.encodeIfPresent(step, forKey: .step)
        try c.encodeIfPresent(time.flatMap { $0.isFinite ? $0 : nil }, forKey: .time)
        try c.encodeIfPresent(rank, forKey: .rank)
        try c.encode(excerpt, forKey: .excerpt)
        try c.encode(supports, forKey: .supports)
        try c.encodeIfPresent(metric, forKey: .metric)
        // JSON has no NaN: a non-finite metric value is spelled in the excerpt instead.
        try c.encodeIfPresent(value.flatMap { $0.isFinite ? $0 : nil }, forKey: .value)
        try c.encodeIfPresent(key, forKey: .key)
        try c.encodeIfPresent(oldValue, forKey: .oldValue)
        try c.encodeIfPresent(newValue, forKey: .newValue)
    }
}
