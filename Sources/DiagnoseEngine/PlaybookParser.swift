import DiagnoseCore
import Yams

/// Strict reader of one playbook file: an unknown key, symptom kind, event kind, metric, trait or
/// cause is an error naming the file and the field.
enum PlaybookParser {
    static let topKeys: Set<String> = [
        "cause", "title", "summary", "prior", "prior_probability", "groups", "supports", "against",
        "gather", "remediation", "verify", "examples", "description", "benign_keys", "onset",
    ]
    static let matcherKeys: Set<String> = [
        "id", "label", "kind", "event", "log", "metric", "event_kind", "config_key", "old_value", "new_value",
        "trait", "direction", "min_magnitude", "max_magnitude", "before", "after", "within_steps",
        "one_rank", "first_failure", "different_rank", "min_count", "weight", "if_absent", "group",
        "min_before", "max_before", "min_after", "max_after", "near", "text",
    ]
    static let placeholderFields: Set<String> = [
        "step", "time", "rank", "metric", "event", "key", "old", "new", "before", "after", "magnitude",
        "trait", "summary", "count", "source", "line", "percent",
    ]

    /// Parses `text`; `file` names it in errors. Returns the playbook or the errors found.
    static func parse(_ text: String, file: String, expectedCause: String?) -> (Playbook?, [PlaybookError]) {
        var ctx = Context(file: file)
        let root: Node
        do {
            guard let n = try Yams.compose(yaml: text) else {
                return (nil, [PlaybookError(file: file, field: "", message: "empty document")])
            }
            root = n
        } catch {
            return (nil, [PlaybookError(file: file, field: "", message: "not valid YAML: \(error)")])
        }
        guard let top = ctx.mapping(root, "") else { return (nil, ctx.errors) }
        ctx.checkKeys(top, allowed: topKeys, field: "")

        let cause = ctx.string(top["cause"], "cause", required: true) ?? ""
        if !cause.isEmpty {
            if cause == CauseCatalog.healthy {
                ctx.error("cause", "'healthy' has no playbook", top["cause"])
            } else if !CauseCatalog.isKnown(cause) {
                ctx.error("cause", "unknown cause '\(cause)' (not in TAXONOMY.md)", top["cause"])
            } else if let expectedCause, expectedCause != cause {
                ctx.error("cause", "file is named for '\(expectedCause)' but names cause '\(cause)'", top["cause"])
            }
        }

        var titles: [TitleTemplate] = []
        if let t = top["title"] {
            if case .sequence(let seq) = t {
                for (i, item) in seq.enumerated() { if let tt = ctx.title(item, "title[\(i)]") { titles.append(tt) } }
            } else if let tt = ctx.title(t, "title") {
                titles = [tt]
            }
        }
        if titles.isEmpty { ctx.error("title", "at least one title is required", top["title"]) }
        let summary = ctx.string(top["summary"], "summary", required: true) ?? ""
        _ = ctx.string(top["description"], "description")

        var prior = 0.0
        switch (top["prior"], top["prior_probability"]) {
        case (let p?, nil): prior = ctx.number(p, "prior") ?? 0
        case (nil, let p?):
            if let v = ctx.number(p, "prior_probability") {
                if v > 0, v < 1 { prior = Calibration.logit(v) } else { ctx.error("prior_probability", "must be in (0, 1)", p) }
            }
        case (nil, nil): ctx.error("prior", "a prior (log-odds) or prior_probability is required", nil)
        case (_?, _?): ctx.error("prior", "give either prior or prior_probability, not both", top["prior"])
        }

        var groups: [String: MatcherGroup] = [:]
        if let g = top["groups"], let gm = ctx.mapping(g, "groups") {
            for name in gm.keys.sorted() {
                guard let v = gm[name] else { continue }
                let f = "groups.\(name)"
                guard let vm = ctx.mapping(v, f) else { continue }
                ctx.checkKeys(vm, allowed: ["required", "if_absent", "label"], field: f)
                let req = ctx.bool(vm["required"], "\(f).required") ?? false
                let abs = ctx.number(vm["if_absent"], "\(f).if_absent")
                let label = vm["label"].flatMap { ctx.string($0, "\(f).label") }
                groups[name] = MatcherGroup(required: req, ifAbsent: abs, label: label)
            }
        }

        let errorsBeforeMatchers = ctx.errors.count
        let supports = ctx.matchers(top["supports"], "supports", positive: true)
        let against = ctx.matchers(top["against"], "against", positive: false)
        let matchersValid = ctx.errors.count == errorsBeforeMatchers
        if matchersValid, supports.isEmpty { ctx.error("supports", "at least one supporting matcher is required", top["supports"]) }

        var gather = Gather()
        if let g = top["gather"], let gm = ctx.mapping(g, "gather") {
            ctx.checkKeys(gm, allowed: ["events", "metrics", "max_per_kind"], field: "gather")
            if let e = gm["events"] {
                for (i, s) in ctx.strings(e, "gather.events").enumerated() {
                    let k = EventKind(s)
                    if EventKind.known.contains(k) { gather.events.append(k) } else {
                        ctx.error("gather.events[\(i)]", "unknown event kind '\(s)'", e)
                    }
                }
            }
            if let m = gm["metrics"] {
                for (i, s) in ctx.strings(m, "gather.metrics").enumerated() {
                    let n = MetricName(s)
                    if MetricName.known.contains(n) { gather.metrics.append(n) } else {
                        ctx.error("gather.metrics[\(i)]", "unknown metric '\(s)'", m)
                    }
                }
            }
            if let n = gm["max_per_kind"], let v = ctx.int(n, "gather.max_per_kind") { gather.maxPerKind = max(1, v) }
        }

        let remediation = ctx.string(top["remediation"], "remediation", required: true) ?? ""
        let verify = ctx.string(top["verify"], "verify", required: true) ?? ""

        var examples = Examples()
        if let e = top["examples"], let em = ctx.mapping(e, "examples") {
            ctx.checkKeys(em, allowed: ["incidents", "healthy"], field: "examples")
            if let i = em["incidents"] { examples.incidents = ctx.strings(i, "examples.incidents") }
            if let h = em["healthy"] { examples.healthy = ctx.strings(h, "examples.healthy") }
        }

        // Cross-references: ids unique, references resolve, groups declared and used, no cycles
        // (checked once every matcher parsed, so one bad matcher is reported once).
        guard matchersValid else { return (nil, ctx.errors) }
        var ids: [String: Int] = [:]
        for (i, m) in (supports + against).enumerated() {
            guard let id = m.id else { continue }
            if ids[id] != nil { ctx.error(fieldName(i, supports.count) + ".id", "duplicate id '\(id)'", nil) }
            ids[id] = i
        }
        for (i, m) in (supports + against).enumerated() {
            let f = fieldName(i, supports.count)
            for r in m.references where ids[r] == nil {
                ctx.error(f, "refers to unknown matcher id '\(r)'", nil)
            }
            if m.withinSteps != nil, m.after == nil, m.near == nil { ctx.error(f + ".within_steps", "needs 'after' or 'near'", nil) }
            if m.near != nil, m.withinSteps == nil { ctx.error(f + ".near", "needs 'within_steps'", nil) }
            if let g = m.group, groups[g] == nil { ctx.error(f + ".group", "group '\(g)' is not declared under groups", nil) }
        }
        for name in groups.keys.sorted() where !(supports + against).contains(where: { $0.group == name }) {
            ctx.error("groups.\(name)", "no matcher is in this group", nil)
        }
        if hasCycle(supports + against) { ctx.error("supports", "before/after/different_rank references form a cycle", nil) }

        for (i, t) in titles.enumerated() {
            for w in t.when where ids[w] == nil { ctx.error("title[\(i)].when", "names no matcher id '\(w)'", nil) }
        }
        for (i, t) in (titles.map(\.text) + [summary]).enumerated() {
            let f = i < titles.count ? "title[\(i)]" : "summary"
            for (id, field) in TemplateText.placeholders(in: t) {
                if id == "onset" && field == nil { continue }
                if ids[id] == nil { ctx.error(f, "placeholder {\(id)\(field.map { ".\($0)" } ?? "")} names no matcher id", nil) }
                if let field, !placeholderFields.contains(field) {
                    ctx.error(f, "placeholder field '\(field)' is not one of \(placeholderFields.sorted().joined(separator: ", "))", nil)
                }
                if field == nil && id != "onset" { ctx.error(f, "placeholder {\(id)} needs a field ({\(id).step})", nil) }
            }
        }

        let benign = top["benign_keys"].map { ctx.strings($0, "benign_keys") } ?? []
        let onset = top["onset"].map { ctx.strings($0, "onset") } ?? []
        for o in onset where ids[o] == nil { ctx.error("onset", "names no matcher id '\(o)'", top["onset"]) }
        guard ctx.errors.isEmpty else { return (nil, ctx.errors) }
        var pb = Playbook(cause: cause, path: "playbooks/\(cause).yaml", titles: titles, summary: summary, prior: prior,
                          groups: groups, supports: supports, against: against, gather: gather,
                          remediation: remediation, verify: verify, examples: examples, benignKeys: benign)
        pb.onset = onset
        return (pb, [])
    }

    static func fieldName(_ i: Int, _ nSupports: Int) -> String {
        i < nSupports ? "supports[\(i)]" : "against[\(i - nSupports)]"
    }

    static func hasCycle(_ ms: [Matcher]) -> Bool {
        var edges: [String: [String]] = [:]
        for m in ms { if let id = m.id { edges[id] = m.references } }
        var state: [String: Int] = [:]
        func visit(_ n: String) -> Bool {
            if state[n] == 1 { return true }
            if state[n] == 2 { return false }
            state[n] = 1
            for e in edges[n] ?? [] where visit(e) { return true }
            state[n] = 2
            return false
        }
        return edges.keys.sorted().contains { visit($0) }
    }

    /// Error-collecting accessors over Yams nodes.
    struct Context {
        let file: String
        var errors: [PlaybookError] = []

        mutating func error(_ field: String, _ message: String, _ node: Node?) {
            errors.append(PlaybookError(file: file, field: field, message: message, line: node?.mark?.line))
        }

        mutating func mapping(_ n: Node, _ field: String) -> [String: Node]? {
            guard case .mapping(let m) = n else { error(field, "expected a mapping", n); return nil }
            var out: [String: Node] = [:]
            for (k, v) in m {
                guard let ks = k.string else { error(field, "keys must be strings", k); continue }
                if out[ks] != nil { error(field.isEmpty ? ks : "\(field).\(ks)", "duplicate key", k) }
                out[ks] = v
            }
            return out
        }

        mutating func checkKeys(_ m: [String: Node], allowed: Set<String>, field: String) {
            for k in m.keys.sorted() where !allowed.contains(k) {
                error(field.isEmpty ? k : "\(field).\(k)",
                      "unknown key '\(k)' (allowed: \(allowed.sorted().joined(separator: ", ")))", m[k])
            }
        }

        mutating func string(_ n: Node?, _ field: String, required: Bool = false) -> String? {
            guard let n else { if required { error(field, "is required", nil) }; return nil }
            guard case .scalar(let s) = n else { error(field, "expected a string", n); return nil }
            return s.string
        }

        mutating func title(_ n: Node, _ field: String) -> TitleTemplate? {
            if case .scalar(let s) = n { return TitleTemplate(s.string) }
            guard let m = mapping(n, field) else { return nil }
            checkKeys(m, allowed: ["text", "when"], field: field)
            guard let text = string(m["text"], "\(field).text", required: true) else { return nil }
            let when = m["when"].map { strings($0, "\(field).when") } ?? []
            return TitleTemplate(text, when: when.flatMap { $0.split(separator: ",").map { Glob.trim($0) } })
        }

        mutating func strings(_ n: Node, _ field: String) -> [String] {
            if case .scalar(let s) = n { return s.string.isEmpty ? [] : [s.string] }
            guard case .sequence(let seq) = n else { error(field, "expected a list of strings", n); return [] }
            var out: [String] = []
            for (i, item) in seq.enumerated() {
                if case .scalar(let s) = item { out.append(s.string) } else { error("\(field)[\(i)]", "expected a string", item) }
            }
            return out
        }

        mutating func number(_ n: Node?, _ field: String) -> Double? {
            guard let n else { return nil }
            guard case .scalar(let s) = n, let v = Double(s.string), v.isFinite else {
                error(field, "expected a number", n); return nil
            }
            return v
        }

        mutating func int(_ n: Node?, _ field: String) -> Int? {
            guard let n else { return nil }
            guard case .scalar(let s) = n, let v = Int(s.string) else { error(field, "expected an integer", n); return nil }
            return v
        }

        mutating func bool(_ n: Node?, _ field: String) -> Bool? {
            guard let n else { return nil }
            guard case .scalar(let s) = n else { error(field, "expected true or false", n); return nil }
            switch s.string.lowercased() {
            case "true", "yes": return true
            case "false", "no": return false
            default: error(field, "expected true or false", n); return nil
            }
        }

        mutating func matchers(_ n: Node?, _ field: String, positive: Bool) -> [Matcher] {
            guard let n else { return [] }
            guard case .sequence(let seq) = n else { error(field, "expected a list of matchers", n); return [] }
            var out: [Matcher] = []
            for (i, item) in seq.enumerated() {
                if let m = matcher(item, "\(field)[\(i)]", positive: positive) { out.append(m) }
            }
            return out
        }

        mutating func matcher(_ n: Node, _ f: String, positive: Bool) -> Matcher? {
            guard let m = mapping(n, f) else { return nil }
            let before = errors.count
            checkKeys(m, allowed: PlaybookParser.matcherKeys, field: f)

            var source: MatcherSource?
            let given = ["kind", "event", "log"].filter { m[$0] != nil }
            if given.count > 1 { error(f, "give one of 'kind', 'event' or 'log', not \(given.joined(separator: " and "))", n) }
            if given.count == 1, let l = m["log"] {
                if let g = string(l, "\(f).log") {
                    if g.isEmpty { error("\(f).log", "needs a text glob", l) } else { source = .logTemplates(Glob(g)) }
                }
            } else if given.count <= 1 { switch (m["kind"], m["event"]) {
            case (let k?, nil):
                if let s = string(k, "\(f).kind") {
                    let kind = SymptomKind(s)
                    if SymptomKind.known.contains(kind) { source = .symptom(kind) } else {
                        error("\(f).kind", "unknown symptom kind '\(s)'", k)
                    }
                }
            case (nil, let e?):
                if let kinds = eventKinds(e, "\(f).event") { source = .events(kinds) }
            case (nil, nil): error(f, "needs 'kind' (a symptom kind), 'event' (log event kinds) or 'log' (a log text glob)", n)
            case (_?, _?): break
            } }

            var metric: Glob?
            if let mn = m["metric"], let s = string(mn, "\(f).metric") {
                let g = Glob(s)
                for part in g.parts {
                    if Glob.hasWildcard(part) {
                        let pg = Glob(part)
                        if !MetricName.known.contains(where: { pg.matches($0.rawValue) }) {
                            error("\(f).metric", "pattern '\(part)' matches no known metric", mn)
                        }
                    } else if !MetricName.known.contains(MetricName(part)) {
                        error("\(f).metric", "unknown metric '\(part)'", mn)
                    }
                }
                metric = g
            }
            let ek = m["event_kind"].flatMap { eventKinds($0, "\(f).event_kind") }
            let configKey = m["config_key"].flatMap { string($0, "\(f).config_key") }.map(Glob.init)
            let oldValue = m["old_value"].flatMap { string($0, "\(f).old_value") }.map(Glob.init)
            let newValue = m["new_value"].flatMap { string($0, "\(f).new_value") }.map(Glob.init)
            var traits: Set<GenerationTrait>?
            if let t = m["trait"], let s = string(t, "\(f).trait") {
                var set = Set<GenerationTrait>()
                for part in Glob(s).parts {
                    if let g = GenerationTrait(rawValue: part) { set.insert(g) } else {
                        error("\(f).trait", "unknown trait '\(part)' (known: \(GenerationTrait.allCases.map(\.rawValue).joined(separator: ", ")))", t)
                    }
                }
                traits = set
            }
            var directions: Set<Direction>?
            if let d = m["direction"], let s = string(d, "\(f).direction") {
                var set = Set<Direction>()
                for part in Glob(s).parts {
                    if let v = Direction(rawValue: part) { set.insert(v) } else {
                        error("\(f).direction", "unknown direction '\(part)' (known: \(Direction.allCases.map(\.rawValue).joined(separator: ", ")))", d)
                    }
                }
                directions = set
            }
            if let src = source, case .symptom(let k) = src {
                let configLike: Set<SymptomKind> = [.configChange, .templateChanged, .templateDynamicContent, .templateReordered]
                if configKey != nil || oldValue != nil || newValue != nil, !configLike.contains(k) {
                    error(f, "config_key/old_value/new_value apply to config-change and template-* kinds only", n)
                }
                if traits != nil, k != .evalFailureCluster { error("\(f).trait", "applies to eval-failure-cluster only", m["trait"]) }
            }

            let weight = number(m["weight"], "\(f).weight")
            if m["weight"] == nil { error("\(f).weight", "is required", n) }
            if let w = weight {
                if positive, w <= 0 { error("\(f).weight", "supporting weights must be positive", m["weight"]) }
                if !positive, w >= 0 { error("\(f).weight", "weights against a cause must be negative", m["weight"]) }
            }
            let within = int(m["within_steps"], "\(f).within_steps")
            if let w = within, w < 0 { error("\(f).within_steps", "must be >= 0", m["within_steps"]) }
            let minCount = int(m["min_count"], "\(f).min_count") ?? 1
            let id = m["id"].flatMap { string($0, "\(f).id") }
            if let id, id == "onset" { error("\(f).id", "'onset' is reserved", m["id"]) }

            guard errors.count == before, let source, let weight else { return nil }
            return Matcher(
                id: id, label: m["label"].flatMap { string($0, "\(f).label") }, source: source, metric: metric,
                eventKinds: ek, configKey: configKey, oldValue: oldValue, newValue: newValue, traits: traits,
                directions: directions, minMagnitude: number(m["min_magnitude"], "\(f).min_magnitude"),
                maxMagnitude: number(m["max_magnitude"], "\(f).max_magnitude"),
                before: m["before"].flatMap { string($0, "\(f).before") },
                after: m["after"].flatMap { string($0, "\(f).after") }, withinSteps: within,
                oneRank: bool(m["one_rank"], "\(f).one_rank") ?? false,
                firstFailure: bool(m["first_failure"], "\(f).first_failure") ?? false,
                differentRank: m["different_rank"].flatMap { string($0, "\(f).different_rank") },
                minCount: max(1, minCount), weight: weight,
                ifAbsent: number(m["if_absent"], "\(f).if_absent"),
                group: m["group"].flatMap { string($0, "\(f).group") })
                .bounded(minBefore: number(m["min_before"], "\(f).min_before"),
                         maxBefore: number(m["max_before"], "\(f).max_before"),
                         minAfter: number(m["min_after"], "\(f).min_after"),
                         maxAfter: number(m["max_after"], "\(f).max_after"))
                .with(near: m["near"].flatMap { string($0, "\(f).near") },
                      text: m["text"].flatMap { string($0, "\(f).text") }.map(Glob.init))
        }

        mutating func eventKinds(_ n: Node, _ field: String) -> Set<EventKind>? {
            guard let s = string(n, field) else { return nil }
            var set = Set<EventKind>()
            for part in Glob(s).parts {
                let k = EventKind(part)
                if EventKind.known.contains(k) { set.insert(k) } else { error(field, "unknown event kind '\(part)'", n) }
            }
            return set.isEmpty ? nil : set
        }
    }
}
