/// A streaming log-template miner in the manner of Drain (He et al., ICWS 2017), over bytes.
///
/// Each line is split on whitespace, its tokens masked (`TokenMasker`: numbers, hex, IPs and
/// ports, dates and times, UUIDs, block ids, paths, URLs), then routed through a fixed-depth
/// tree: the token count, then the first `depth - 2` tokens (a token with a digit or a masked part routes
/// through the `<*>` branch, as Drain routes tokens with digits). The leaf holds clusters; the
/// line joins the most similar one when that similarity reaches `similarity`, and the cluster's
/// differing positions become `<*>`. Otherwise it starts a new cluster. A cluster's id never
/// changes, however far its template is generalised later.
///
/// Similarity is the share of positions where the cluster's token equals the line's, where
/// `<*>` facing `<*>` counts as equal. Unlike Drain, a line never joins a cluster where a plain
/// word faces a different plain word (`Started` against `Paused`): different words usually mean
/// different messages. Three exceptions keep names variable: the same `key=` with other values,
/// a word after `user`, `for`, `from`, `by`, `host` or `account`, and words that differ only in
/// their digits (`rank0`, `rank1`). On Loghub-2k this takes the average grouping accuracy from
/// about 0.80 (plain Drain similarity with the same masking) to 0.93.
///
/// A cache keyed by the line's shape (`ShapeHasher`: digits and whitespace collapsed) returns
/// the template of a shape seen before without tokenising, so repeated lines cost one hash.
/// Work per line and memory are bounded (`Configuration.maxTokens`, `maxClustersPerLeaf`,
/// `maxTemplates`, `maxDistinctTokens`, `cacheEntries`).
///
/// Not thread-safe: use one miner per stream (or per run) and merge templates by text.
public final class TemplateMiner {
    /// Tree and matching parameters.
    public struct Configuration: Sendable, Hashable {
        /// Depth of the parse tree counting the root and the token-count layer; the first
        /// `depth - 2` tokens route a line.
        public var depth: Int
        /// Minimum share of matching positions for a line to join a cluster.
        public var similarity: Double
        /// Most children per tree node; further distinct tokens share the `<*>` child.
        public var maxChildren: Int
        /// Tokens after this many are ignored (bounds the cost of absurd lines).
        public var maxTokens: Int
        /// Shapes remembered by the cache before it is cleared.
        public var cacheEntries: Int
        /// Clusters one tree leaf holds; a line that matches none of a full leaf gets a template of
        /// its own that later lines reach only through the shape cache (bounds the work per line).
        public var maxClustersPerLeaf: Int
        /// Templates in all; past it, a line that matches nothing joins the all-`<*>` template of
        /// its token count (bounds memory on logs of free text).
        public var maxTemplates: Int
        /// Distinct tokens remembered; past it an unseen token reads as `<*>` (bounds memory).
        public var maxDistinctTokens: Int
        /// Positions where both the cluster and the line hold `<*>` count as matching.
        public var wildcardsMatch: Bool
        /// A line may not join a cluster where a plain word of the cluster (a token with two or
        /// more letters and no masked part) faces a different plain word of the line, except for
        /// the exceptions in the type's documentation.
        public var wordsMustMatch: Bool

        public init(depth: Int = 4, similarity: Double = 0.5, maxChildren: Int = 100, maxTokens: Int = 200,
                    cacheEntries: Int = 1 << 20, maxClustersPerLeaf: Int = 256, maxTemplates: Int = 100_000,
                    maxDistinctTokens: Int = 1 << 21, wildcardsMatch: Bool = true, wordsMustMatch: Bool = true) {
            self.maxDistinctTokens = max(16, maxDistinctTokens)
            self.maxClustersPerLeaf = max(1, maxClustersPerLeaf); self.maxTemplates = max(1, maxTemplates)
            self.wildcardsMatch = wildcardsMatch; self.wordsMustMatch = wordsMustMatch
            self.depth = max(3, depth); self.similarity = similarity; self.maxChildren = max(1, maxChildren)
            self.maxTokens = max(1, maxTokens); self.cacheEntries = cacheEntries
        }
    }

    public let configuration: Configuration
    /// Lines added so far.
    public private(set) var lineCount = 0

    @exclusivity(unchecked) private var tokenTable = TokenTable()
    @exclusivity(unchecked) private var cache: ShapeCache
    @exclusivity(unchecked) private var clusterTokens: [[Int32]] = []
    @exclusivity(unchecked) private var clusterCounts: [Int] = []
    @exclusivity(unchecked) private var children: [NodeKey: Int32] = [:]
    @exclusivity(unchecked) private var childCounts: [Int32] = []
    @exclusivity(unchecked) private var leafClusters: [[Int32]] = []
    @exclusivity(unchecked) private var line: [Int32] = []
    private var overflow: [Int: Int32] = [:]
    @exclusivity(unchecked) private var alias: [Int32] = []
    @exclusivity(unchecked) private var scratch: [UInt8] = Array(repeating: 0, count: 1024)
    private let prefixDepth: Int
    private let threshold: Double

    /// A token longer than this once masked is data (a blob, an encoded value) and reads as `<*>`.
    static let maxTokenBytes = 256
    /// Share of equal positions a generalised template needs with an older one of its leaf to
    /// absorb it: high, because absorbing on the matching threshold over-merges lines that still
    /// carry headers (timestamps, hosts, levels).
    static let absorbShare = 0.9

    private struct NodeKey: Hashable {
        var parent: Int32
        var token: Int32
    }

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        cache = ShapeCache(maxEntries: configuration.cacheEntries)
        tokenTable.limit = configuration.maxDistinctTokens
        prefixDepth = configuration.depth - 2
        threshold = configuration.similarity
        line.reserveCapacity(configuration.maxTokens)
    }

    /// Number of templates (clusters) so far; ids are `0..<templateCount`.
    public var templateCount: Int { clusterTokens.count }

    /// Adds one line (no terminator) and returns its template id.
    @discardableResult
    public func add(_ bytes: UnsafeRawBufferPointer) -> Int32 {
        lineCount += 1
        let n = bytes.count
        let p = n > 0 ? bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) : nil
        let shape = p.map { ShapeHasher.hash($0, n) } ?? ShapeHasher.emptyShape
        var hit = cache.lookup(shape)
        if hit >= 0 {
            if alias[Int(hit)] != hit {
                hit = canonicalID(hit)
                cache.insert(shape, hit)
            }
            clusterCounts[Int(hit)] += 1
            return hit
        }
        if let p { tokenize(p, n) } else { line.removeAll(keepingCapacity: true) }
        return addTokens(shape: shape)
    }

    /// Adds one line given as a String (tests and small inputs; the byte form is the fast one).
    @discardableResult
    public func add(_ text: String) -> Int32 {
        var copy = text
        return copy.withUTF8 { add(UnsafeRawBufferPointer($0)) }
    }

    /// The template's text: tokens joined by single spaces, variables as `<*>`.
    public func template(_ id: Int32) -> String {
        guard id >= 0, Int(id) < clusterTokens.count else { return "" }
        let i = Int(canonicalID(id))
        var out = ""
        for (k, t) in clusterTokens[i].enumerated() {
            if k > 0 { out += " " }
            out += tokenTable.string(t)
        }
        return out
    }

    /// Lines that joined the template so far (of `canonicalID(id)`).
    public func count(_ id: Int32) -> Int {
        let i = Int(id)
        return i >= 0 && i < clusterCounts.count ? clusterCounts[Int(canonicalID(id))] : 0
    }

    /// The template an id stands for now. When a template generalises so far that it covers an
    /// older, more specific one of its leaf, the older one is absorbed: its id stays valid and
    /// resolves here to the one that absorbed it. Equal to `id` for live templates.
    public func canonicalID(_ id: Int32) -> Int32 {
        var i = id
        guard i >= 0, Int(i) < alias.count else { return id }
        while alias[Int(i)] != i { i = alias[Int(i)] }
        return i
    }

    /// Every template with its text and line count, in id order.
    /// Live templates (absorbed ones excluded), in id order.
    public var templates: [MinedTemplate] {
        clusterTokens.indices.filter { alias[$0] == Int32($0) }.map {
            MinedTemplate(id: Int32($0), text: template(Int32($0)), count: clusterCounts[$0])
        }
    }

    private func tokenize(_ p: UnsafePointer<UInt8>, _ n: Int) {
        line.removeAll(keepingCapacity: true)
        if scratch.count < 3 * n + 3 { scratch = Array(repeating: 0, count: 3 * n + 3) }
        let limit = configuration.maxTokens
        scratch.withUnsafeMutableBufferPointer { sb in
            let out = sb.baseAddress!
            var i = 0
            while i < n {
                while i < n, TokenMasker.isSpace(p[i]) { i += 1 }
                if i >= n { break }
                let s = i
                while i < n, !TokenMasker.isSpace(p[i]) { i += 1 }
                let m = TokenMasker.mask(p + s, i - s, into: out)
                line.append(m < 0 || m > TemplateMiner.maxTokenBytes ? 0 : tokenTable.intern(UnsafePointer(out), m))
                if line.count >= limit { break }
            }
        }
    }

    private func addTokens(shape: UInt64) -> Int32 {
        if let leaf = searchLeaf(), let match = bestCluster(in: leaf) {
            if merge(match) { absorb(into: match, leaf: leaf) }
            clusterCounts[Int(match)] += 1
            cache.insert(shape, match)
            return match
        }
        if clusterTokens.count >= configuration.maxTemplates {
            let id = overflowTemplate(length: line.count)
            clusterCounts[Int(id)] += 1
            cache.insert(shape, id)
            return id
        }
        let leaf = insertLeaf()
        let id = Int32(clusterTokens.count)
        clusterTokens.append(line)
        clusterCounts.append(1)
        alias.append(id)
        if leafClusters[Int(leaf)].count < configuration.maxClustersPerLeaf {
            leafClusters[Int(leaf)].append(id)
        }
        cache.insert(shape, id)
        return id
    }

    private func overflowTemplate(length: Int) -> Int32 {
        if let id = overflow[length] { return id }
        let id = Int32(clusterTokens.count)
        clusterTokens.append(Array(repeating: 0, count: length))
        clusterCounts.append(0)
        alias.append(id)
        overflow[length] = id
        return id
    }

    private func child(_ parent: Int32, _ token: Int32) -> Int32? {
        children[NodeKey(parent: parent, token: token)]
    }

    private func searchLeaf() -> Int32? {
        guard var node = child(-1, Int32(clamping: line.count)) else { return nil }
        let depth = min(prefixDepth, line.count)
        var k = 0
        while k < depth {
            let t = routing(line[k])
            if let c = child(node, t) {
                node = c
            } else if t != 0, let c = child(node, 0) {
                node = c
            } else {
                return nil
            }
            k += 1
        }
        return node
    }

    @inline(__always)
    private func routing(_ token: Int32) -> Int32 {
        tokenTable.routesThroughWildcard(token) ? 0 : token
    }

    private func newNode(_ parent: Int32, _ token: Int32) -> Int32 {
        let id = Int32(childCounts.count)
        childCounts.append(0)
        leafClusters.append([])
        children[NodeKey(parent: parent, token: token)] = id
        if parent >= 0 { childCounts[Int(parent)] += 1 }
        return id
    }

    private func insertLeaf() -> Int32 {
        let length = Int32(clamping: line.count)
        var node = child(-1, length) ?? newNode(-1, length)
        let depth = min(prefixDepth, line.count)
        var k = 0
        while k < depth {
            let t = routing(line[k])
            if let c = child(node, t) {
                node = c
            } else if t != 0, Int(childCounts[Int(node)]) < configuration.maxChildren {
                node = newNode(node, t)
            } else {
                node = child(node, 0) ?? newNode(node, 0)
            }
            k += 1
        }
        return node
    }

    private func bestCluster(in leaf: Int32) -> Int32? {
        let candidates = leafClusters[Int(leaf)]
        if candidates.isEmpty { return nil }
        let n = line.count
        if n == 0 { return candidates[0] }
        var best: Int32 = -1
        var bestSim = -1.0
        var bestParams = -1
        let wildcards = configuration.wildcardsMatch
        let words = configuration.wordsMustMatch
        var minSame = Int((threshold * Double(n)).rounded(.down))
        while minSame < n, Double(minSame) / Double(n) < threshold { minSame += 1 }
        while minSame > 0, Double(minSame - 1) / Double(n) >= threshold { minSame -= 1 }
        let maxMiss = n - minSame
        line.withUnsafeBufferPointer { l in
            for c in candidates {
                clusterTokens[Int(c)].withUnsafeBufferPointer { t in
                    var same = 0
                    var params = 0
                    var miss = 0
                    for k in 0..<n {
                        let a = t[k]
                        let b = l[k]
                        if a == 0 {
                            params += 1
                            if b == 0, wildcards { same += 1; continue }
                        } else if a == b {
                            same += 1
                            continue
                        } else if words, tokenTable.isWord(a), tokenTable.isWord(b),
                                  k == 0 || !tokenTable.introducesName(l[k - 1]), !tokenTable.sameKey(a, b),
                                  !tokenTable.sameSkeleton(a, b) {
                            return
                        }
                        miss += 1
                        if miss > maxMiss { return }
                    }
                    let sim = Double(same) / Double(n)
                    if sim > bestSim || (sim == bestSim && params > bestParams) {
                        best = c; bestSim = sim; bestParams = params
                    }
                }
            }
        }
        return bestSim >= threshold ? best : nil
    }

    /// Generalises the cluster to cover the line; true when a position became `<*>`.
    private func merge(_ id: Int32) -> Bool {
        let i = Int(id)
        var changed = false
        for k in 0..<line.count where clusterTokens[i][k] != line[k] {
            clusterTokens[i][k] = 0
            changed = true
        }
        return changed
    }

    /// Folds into `id` the leaf's clusters its template now covers and shares at least
    /// `absorbShare` of its positions with, so an over-general template absorbs nothing.
    private func absorb(into id: Int32, leaf: Int32) {
        let c = Int(id)
        var kept: [Int32] = []
        var absorbed = false
        for d in leafClusters[Int(leaf)] {
            if d != id, covers(c, Int(d)) {
                alias[Int(d)] = id
                clusterCounts[c] += clusterCounts[Int(d)]
                clusterCounts[Int(d)] = 0
                absorbed = true
            } else {
                kept.append(d)
            }
        }
        if absorbed { leafClusters[Int(leaf)] = kept }
    }

    private func covers(_ general: Int, _ specific: Int) -> Bool {
        clusterTokens[general].withUnsafeBufferPointer { g in
            clusterTokens[specific].withUnsafeBufferPointer { s in
                guard g.count == s.count, !g.isEmpty else { return false }
                var same = 0
                for k in 0..<g.count {
                    if g[k] == s[k] { same += 1 } else if g[k] != 0 { return false }
                }
                return Double(same) / Double(g.count) >= TemplateMiner.absorbShare
            }
        }
    }
}

/// A mined template with its line count.
public struct MinedTemplate: Sendable, Hashable {
    public var id: Int32
    /// Tokens joined by single spaces, variables as `<*>`.
    public var text: String
    public var count: Int
    public init(id: Int32, text: String, count: Int) { self.id = id; self.text = text; self.count = count }
}
