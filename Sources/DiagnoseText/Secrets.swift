/// Recognises secrets so every output can redact them: keys named like secrets, and values shaped
/// like API keys or tokens. `Redactor` (in this module) does the masking.
public enum Secrets {
    /// Key names (last dotted component, lowercased) that hold secrets.
    public static func isSecretKey(_ key: String) -> Bool {
        let last = (key.split(separator: ".").last.map(String.init) ?? key).lowercased()
        let words = ["api_key", "apikey", "api-key", "token", "secret", "password", "passwd", "access_key",
                     "private_key", "auth", "credential", "hf_token", "wandb_key", "bearer"]
        if last == "author" || last == "authors" || last.hasPrefix("author_") { return false }
        if last.hasSuffix("_tokens") || last.hasSuffix("tokens") || last.contains("token_id") || last.contains("tokenizer") {
            return false
        }
        if last.hasSuffix("_token") && (last.hasPrefix("pad") || last.hasPrefix("eos") || last.hasPrefix("bos")
            || last.hasPrefix("unk") || last.hasPrefix("sep") || last.hasPrefix("cls") || last.hasPrefix("mask")) {
            return false
        }
        return words.contains { last.contains($0) }
    }
}
