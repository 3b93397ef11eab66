import Foundation
import DiagnoseCore
import DiagnoseText

/// Prompt, system-prompt and chat templates kept whole as text: `chat_template.jinja` and
/// `chat_templates/<name>.jinja` (kind `.chatTemplate`), other `.jinja` files and `.txt`/`.md`
/// files under `prompts/` or named like a prompt or template (kind `.promptTemplate`).
public struct PromptTemplateParser: FormatParser {
    public let id = "prompt-template"
    public init() {}
    static let maxTextBytes = 4 << 20

    public func sniff(_ head: FileHead) -> Double {
        if head.size > Int64(PromptTemplateParser.maxTextBytes) { return 0 }
        if Discovery.looksBinary(head) { return 0 }
        if ["jinja", "j2", "jinja2"].contains(head.ext) { return 0.8 }
        guard ["txt", "md", "prompt", "tmpl", "mustache"].contains(head.ext) || head.ext.isEmpty else { return 0 }
        let comps = ConfigSupport.components(head.path)
        let dirs = comps.dropLast()
        let stem = head.name.split(separator: ".").first.map(String.init) ?? head.name
        if dirs.contains(where: { $0 == "prompts" || $0 == "prompt" || $0 == "templates" || $0 == "system_prompts" }) { return 0.7 }
        if stem.contains("prompt") || stem.contains("template") { return 0.7 }
        return 0
    }

    public func parse(_ input: ParseInput, into sink: RecordSink) throws {
        let bytes = try ConfigSupport.readAll(input)
        let capped = bytes.count > PromptTemplateParser.maxTextBytes ? Array(bytes.prefix(PromptTemplateParser.maxTextBytes)) : bytes
        if capped.count < bytes.count { sink.problem(line: nil, "template longer than \(capped.count) bytes: compared on its head only") }
        sink.progress(lines: ConfigSupport.lineCount(bytes))
        let text = String(decoding: capped, as: UTF8.self)
        let (kind, key) = PromptTemplateParser.classify(input.path)
        sink.emitConfig(kind: kind, ConfigEntry(key: key, value: .text(text), line: 1))
    }

    /// Kind and key for a template file: chat templates by their HF names, prompts as `text`.
    static func classify(_ path: String) -> (ConfigKind, String) {
        let comps = ConfigSupport.components(path)
        let name = comps.last ?? ""
        let stem = name.split(separator: ".").first.map(String.init) ?? name
        if name == "chat_template.jinja" || name == "chat_template.j2" { return (.chatTemplate, "chat_template") }
        if comps.dropLast().last == "chat_templates" { return (.chatTemplate, "chat_template.\(stem)") }
        if stem.contains("chat_template") { return (.chatTemplate, "chat_template") }
        return (.promptTemplate, "text")
    }

    public var examples: [ParserExample] {
        [
            ParserExample(name: "chat_template.jinja (new HF format)", path: "model/chat_template.jinja", content: """
            {%- for message in messages %}{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{%- endfor %}
            """, expect: [.config(key: "chat_template", value: .text("{%- for message in messages %}{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{%- endfor %}"))]),
            ParserExample(name: "system prompt text", path: "prompts/system.txt", content: "You are a helpful assistant.\nAnswer briefly.",
                          expect: [.config(key: "text", value: .text("You are a helpful assistant.\nAnswer briefly."))]),
        ]
    }
}

/// Tool/function definition files (OpenAI `tools` lists, Anthropic `input_schema` tools): the
/// whole JSON in document order as text (key `schema`, for order-sensitive comparison) and the
/// flattened keys.
public struct ToolSchemaParser: FormatParser {
    public let id = "tool-schema"
    public init() {}

    public func sniff(_ head: FileHead) -> Double {
        guard head.ext == "json" else { return 0 }
        let first = ConfigSupport.firstNonSpace(head.text)
        let t = head.text
        let toolish = t.contains("\"input_schema\"") || (t.contains("\"type\"") && t.contains("\"function\"") && t.contains("\"parameters\""))
            || (t.contains("\"name\"") && t.contains("\"parameters\"") && t.contains("\"description\""))
        if first == "[", toolish { return 0.85 }
        if first == "{", toolish, t.contains("\"tools\"") || t.contains("\"functions\"") { return 0.8 }
        // One tool per file (plugin folders): an Anthropic tool or an OpenAI function object.
        if first == "{", t.contains("\"name\""), t.contains("\"input_schema\"") || (t.contains("\"function\"") && t.contains("\"parameters\"")) {
            return 0.75
        }
        if head.name.contains("tool"), first == "[" || first == "{" { return 0.6 }
        return 0
    }

    public func parse(_ input: ParseInput, into sink: RecordSink) throws {
        let bytes = try ConfigSupport.readAll(input)
        guard bytes.count <= ConfigSupport.maxDocumentBytes else {
            sink.problem(line: nil, "tool schema too large (\(bytes.count) bytes)")
            return
        }
        sink.progress(lines: ConfigSupport.lineCount(bytes))
        let r = JSONConfigReader.read(bytes)
        if let e = r.error {
            sink.problem(line: e.line, "malformed JSON: \(e.message); \(r.entries.count) keys read before it")
            // The text of a broken schema is still what was sent: compare it as written.
            sink.emitConfig(kind: .toolSchema, ConfigEntry(key: "schema", value: .text(String(decoding: bytes, as: UTF8.self)), line: 1))
            ConfigSupport.emit(r.entries, kind: .toolSchema, into: sink)
            return
        }
        guard let v = r.value else { return }
        sink.emitConfig(kind: .toolSchema, ConfigEntry(key: "schema", value: .text(JSONConfigReader.canonicalText(v)), line: 1))
        ConfigSupport.emit(r.entries, kind: .toolSchema, into: sink)
    }

    public var examples: [ParserExample] {
        [ParserExample(name: "OpenAI tools list", path: "prompts/tools.json", content: """
        [
          {"type": "function", "function": {"name": "get_weather", "description": "Get the weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}},
          {"type": "function", "function": {"name": "search", "description": "Search the web", "parameters": {"type": "object", "properties": {"q": {"type": "string"}}}}}
        ]
        """, expect: [.config(key: "0.function.name", value: .string("get_weather")),
                      .config(key: "1.function.name", value: .string("search"))]),
         ParserExample(name: "one Anthropic tool per file", path: "plugins/lookup_order.json", content: """
        {
          "name": "lookup_order",
          "description": "Look up an order by its id.",
          "input_schema": {"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]}
        }
        """, expect: [.config(key: "name", value: .string("lookup_order")),
                      .config(key: "input_schema.type", value: .string("object"))])]
    }
}
