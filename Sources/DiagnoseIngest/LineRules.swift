/// The built-in line rules of `TextLogParser`, one line each. Order matters only for lines two
/// rules could consume: the earlier one wins.
public enum LineRules {
    public static let builtIn: [LineRuleSpec] = [
    ]
}
