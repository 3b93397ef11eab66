import Foundation

/// A served model on a GPU: what determines KV cache capacity.
struct ModelProfile {
    var name: String
    var weightsGiB: Double
    var kvBytesPerToken: Double
    var gpuGiB: Double
    var gpu: String

    static let qwen14L40S = ModelProfile(name: "Qwen/Qwen2.5-14B-Instruct", weightsGiB: 27.6, kvBytesPerToken: 196_608, gpuGiB: 44.4, gpu: "NVIDIA L40S")
    static let llama8L4 = ModelProfile(name: "meta-llama/Llama-3.1-8B-Instruct", weightsGiB: 14.99, kvBytesPerToken: 131_072, gpuGiB: 22.0, gpu: "NVIDIA L4")
    static let llama8A100 = ModelProfile(name: "meta-llama/Llama-3.1-8B-Instruct", weightsGiB: 14.99, kvBytesPerToken: 131_072, gpuGiB: 79.2, gpu: "NVIDIA A100-SXM4-80GB")
    static let qwen14H100 = ModelProfile(name: "Qwen/Qwen2.5-14B-Instruct", weightsGiB: 27.6, kvBytesPerToken: 196_608, gpuGiB: 79.1, gpu: "NVIDIA H100 80GB HBM3")
    static let mistralA10 = ModelProfile(name: "mistralai/Mistral-7B-Instruct-v0.3", weightsGiB: 13.5, kvBytesPerToken: 131_072, gpuGiB: 22.0, gpu: "NVIDIA A10G")

    /// KV cache blocks for a memory fraction, after weights and the activation peak.
    func blocks(util: Double, blockSize: Int, activationGiB: Double = 2.2) -> Int {
        let kv = max(0.3, util * gpuGiB - weightsGiB - activationGiB)
        return Int(kv * 1_073_741_824 / kvBytesPerToken) / blockSize
    }
}

/// What is rendered at the start of every request.
enum PromptMode: Equatable { case stable, timestampHeader, requestIDHeader, shuffledTools }

/// The knobs of one deployment, as its config files state them.
struct ServeKnobs {
    var util = 0.92
    var maxNumSeqs = 64
    var blockSize = 16
    var caching = true
    var port = 8000
    var servedName = "chat"
    var logLevel = "info"
    var seed = 0
    var maxModelLen = 16384
    var replicas = 1
    var routing = "session"
    var prompt = PromptMode.stable
    var toolDiscovery = "sequential"
    var userTurnWrapper = "Customer message:"
    var dateFooter = false
    var shortPrompt = false
    var templateSorts = true

    /// Tools arrive in a different order per request when nothing sorts them and discovery is concurrent.
    var toolsShuffled: Bool { prompt == .shuffledTools || (!templateSorts && toolDiscovery == "concurrent") }
}

/// Everything one serving run wrote, plus the marks the truth can cite.
struct ServeRunOutput {
    var files: [(String, String)] = []
    var marks: [String: (String, Int)] = [:]
    var hitRate = 0.0
    var onset: Clock
    var firstServe: Clock

    mutating func put(_ path: String, _ doc: TextDoc, marks prefix: String = "") {
        files.append((path, doc.text))
        for (k, v) in doc.marks where marks[prefix + k] == nil { marks[prefix + k] = (path, v) }
    }
    mutating func put(_ path: String, text: String) { files.append((path, text)) }
}

/// Shared prompt material of one deployment (same text in baseline and incident).
struct PromptMaterial {
    var product: String
    var system: String
    var tools: [PromptKit.Tool]

    init(product: String, paragraphs: Int, toolCount: Int, rng: inout SeededRNG) {
        self.product = product
        system = PromptKit.systemPrompt(product: product, paragraphs: max(1, paragraphs), rng: &rng)
        if paragraphs == 0 { system = system.split(separator: "\n").prefix(5).joined(separator: "\n") + "\n" }
        tools = PromptKit.tools(count: toolCount, rng: &rng)
    }

    /// The system prompt template file as the app keeps it.
    func templateDoc(_ k: ServeKnobs) -> TextDoc {
        var d = TextDoc()
        d.add("{#- system prompt: \(product) assistant -#}")
        switch k.prompt {
        case .timestampHeader: d.add("Current date and time: {{ now().isoformat() }}", mark: "dynamic")
        case .requestIDHeader: d.add("[request {{ request_id }}]", mark: "dynamic")
        default: break
        }
        d.addBlock(String(system.dropLast()))
        if k.dateFooter { d.add("Today's date: {{ today }}.", mark: "footer") }
        d.add("")
        if !k.templateSorts {
            d.add("{%- for tool in tools %}", mark: "toolloop")
        } else {
            d.add("{%- for tool in tools | sort(attribute='function.name') %}", mark: "toolloop")
        }
        d.add("{{ tool | tojson }}")
        d.add("{%- endfor %}")
        return d
    }

    func userTurnDoc(_ k: ServeKnobs) -> TextDoc {
        var d = TextDoc()
        d.add(k.userTurnWrapper, mark: "wrapper")
        d.add("{{ message }}")
        d.add("")
        d.add("Answer in {{ locale }}.")
        return d
    }

    var toolsJSON: String { JV.a(tools.map { PromptKit.toolJSON($0) }).pretty(2) + "\n" }

    /// Renders the prefix a request starts with.
    func renderer(_ k: ServeKnobs, start: Clock, memo: TokenMemo, toolsFirst: Bool = false) -> (Int, Double, Int, inout SeededRNG) -> (tokens: [UInt32], note: String, order: [String]) {
        let sys = k.shortPrompt ? String(system.prefix(system.count / 3)) : system
        let sorted = tools.sorted { $0.name < $1.name }
        let footer = k.dateFooter ? "Today's date: \(start.iso.prefix(10))." : ""
        return { rid, t, _, rng in
            var head = ""
            switch k.prompt {
            case .timestampHeader: head = "Current date and time: \(start.adding(t).isoOffset)\n"
            case .requestIDHeader: head = "[request \(rng.hex(8))-\(rng.hex(4))-\(rng.hex(4))-\(rng.hex(4))-\(rng.hex(12))]\n"
            default: break
            }
            var order = sorted
            if k.toolsShuffled { order.shuffle(using: &rng) }
            let toolToks = order.isEmpty ? [] : memo.tokens(key: order.map(\.name).joined(separator: ",")) { PromptKit.renderTools(order) }
            var toks: [UInt32] = []
            if toolsFirst { toks += toolToks }
            if !head.isEmpty { toks += PromptKit.tokenize(head) }
            toks += memo.tokens(sys)
            if !footer.isEmpty { toks += memo.tokens(footer) }
            if !toolsFirst { toks += toolToks }
            return (toks, head, order.map(\.name))
        }
    }
}
