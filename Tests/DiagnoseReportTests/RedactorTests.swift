import Testing
import DiagnoseText

@Suite struct RedactorTests {
    static let openai = "sk-" + "abcdEFGHijklMNOPqrstUVWX1234567890ab"
    static let openaiProj = "sk-proj-" + "Zx9_Q-abcdEFGHijklMNOPqrstUVWXyz0123456789"
    static let anthropic = "sk-ant-api03-" + "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcdEF"
    static let hf = "hf_" + "AbCdEfGhIjKlMnOpQrStUvWxYz012345"
    static let wandb = "0123456789abcdef0123456789abcdef01234567"
    static let akia = "AKIA" + "IOSFODNN7EXAMPLE"
    static let awsSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    static let ghp = "ghp_" + "16C7e42F292c6912E7710c838347Ae178B4a"
    static let ghpat = "github_pat_" + "11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGH"
    static let slack = "xoxb-" + "123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
    static let jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"

    static let all = [openai, openaiProj, anthropic, hf, wandb, akia, awsSecret, ghp, ghpat, slack, jwt]

    @Test(arguments: [
        ("OPENAI_API_KEY=\(openai)", "OPENAI_API_KEY=sk-***"),
        ("client = OpenAI(api_key=\"\(openaiProj)\")", "client = OpenAI(api_key=\"sk-proj-***\")"),
        ("[rank0]: using key \(anthropic) for judge", "[rank0]: using key sk-ant-*** for judge"),
        ("huggingface-cli login --token \(hf)", "huggingface-cli login --token hf_***"),
        ("export WANDB_API_KEY=\(wandb)", "export WANDB_API_KEY=***"),
        ("machine api.wandb.ai\n  login user\n  password \(wandb)", "machine api.wandb.ai\n  login user\n  password ***"),
        ("aws_access_key_id = \(akia)", "aws_access_key_id = AKIA***"),
        ("aws_secret_access_key = \(awsSecret)", "aws_secret_access_key = ***"),
        ("git clone https://\(ghp)@github.com/org/repo", "git clone https://ghp_***@github.com/org/repo"),
        ("GH_TOKEN: \(ghpat)", "GH_TOKEN: github_pat_***"),
        ("slack webhook token \(slack) posted", "slack webhook token xox*-*** posted"),
        ("Authorization: Bearer abc.def-ghi_jkl~mno", "Authorization: Bearer ***"),
        ("curl -H 'Authorization: Bearer \(jwt)'", "curl -H 'Authorization: Bearer ***'"),
        ("redis://default:hunter2secret@cache:6379/0", "redis://default:***@cache:6379/0"),
        ("postgresql://svc:p%40ss@db.internal/app", "postgresql://svc:***@db.internal/app"),
        ("{\"api_key\": \"plain-looking-value\", \"lr\": 0.0003}", "{\"api_key\": \"***\", \"lr\": 0.0003}"),
        ("token=abc123xyz&user=bob", "token=***&user=bob"),
        ("password: correct horse staple", "password: ***"),
        ("[rank0]: hf_token: abc123def, step: 5", "[rank0]: hf_token: ***, step: 5"),
        ("  db_password: 'two words'", "  db_password: '***'"),
        ("python train.py --hf-token abcdef123 --lr 3e-4", "python train.py --hf-token *** --lr 3e-4"),
        ("session cookie \(jwt)", "session cookie eyJ***"),
    ])
    func masks(_ input: String, _ expected: String) {
        #expect(Redactor.redact(input) == expected)
    }

    @Test(arguments: [
        "{'loss': 2.504, 'grad_norm': 1.2, 'learning_rate': 9.77e-06, 'epoch': 0.5}",
        "max_new_tokens: 512",
        "pad_token: <pad>",
        "tokenizer: meta-llama/Llama-3-8B",
        "num_tokens=4096 total_tokens=1000",
        "author: Jane Doe",
        "the task-specific head was reset",
        "token_count: 18",
        "api_key: null",
        "https://huggingface.co/models?search=llama",
        "[rank3]: NCCL WARN Timeout at ProcessGroupNCCL.cpp:607",
        "Authorization header missing",
        "sha256:0123456789abcdef0123456789abcdef01234567",
    ])
    func leavesOrdinaryTextAlone(_ line: String) {
        #expect(Redactor.redact(line) == line)
    }

    @Test func neverLeaksMoreThanAFourCharPrefixOfSecretMaterial() {
        // Bare 40-hex and base64 strings are hashes far more often than keys: they are masked in
        // context (a key name, netrc), so they are planted in context here.
        let line = Self.all.map { s in
            s == Self.wandb ? "WANDB_API_KEY=\(s)" : s == Self.awsSecret ? "aws_secret_access_key: \(s)" : s
        }.joined(separator: " ; ")
        let out = Redactor.redact(line)
        for s in Self.all {
            // Any 5-char window of the secret beyond its public type prefix must be gone.
            let body = Array(s.dropFirst(min(11, s.count / 3)))
            for i in stride(from: 0, to: max(0, body.count - 5), by: 3) {
                let window = String(body[i..<i + 5])
                #expect(!out.contains(window), "leaked \(window) of \(s.prefix(6))…")
            }
        }
    }

    @Test func idempotent() {
        let line = "OPENAI_API_KEY=\(Self.openai) password: x https://u:p@h/"
        let once = Redactor.redact(line)
        #expect(Redactor.redact(once) == once)
    }

    @Test func privateKeyBlock() {
        let pem = "key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\nabcd\n-----END RSA PRIVATE KEY-----\ndone"
        #expect(Redactor.redact(pem) == "key:\n-----BEGIN PRIVATE KEY-----***\ndone")
    }

    @Test func invalidUTF8AndLongLinesDoNotCrash() {
        let weird = String(decoding: [0xFF, 0xFE, 0x41] + Array("token=abcdefgh".utf8), as: UTF8.self)
        #expect(Redactor.redact(weird).hasSuffix("token=***"))
        let long = String(repeating: "x", count: 1_000_000) + " " + Self.hf
        #expect(Redactor.redact(long).hasSuffix(" hf_***"))
        #expect(Redactor.redact("") == "")
    }

    @Test func secretKeyNames() {
        #expect(Secrets.isSecretKey("wandb.api_key"))
        #expect(Secrets.isSecretKey("HF_TOKEN"))
        #expect(!Secrets.isSecretKey("author"))
        #expect(!Secrets.isSecretKey("eos_token"))
    }
}
