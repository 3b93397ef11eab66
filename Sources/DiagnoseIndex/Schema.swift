/// The index schema as named, append-only migrations. A migration is never edited once released:
/// add a new one. Constraints live in SQL.
enum Schema {
    static let migrations: [(name: String, sql: String)] = [
        ("001-initial", """
        CREATE TABLE runs(
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            root TEXT NOT NULL,
            manifest TEXT,
            ingested_at REAL
        );
        CREATE TABLE files(
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            path TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('current', 'pending')),
            format TEXT,
            note TEXT,
            size INTEGER NOT NULL CHECK (size >= 0),
            mtime REAL NOT NULL,
            head_len INTEGER NOT NULL CHECK (head_len >= 0),
            head_hash INTEGER NOT NULL,
            resumable INTEGER NOT NULL DEFAULT 0 CHECK (resumable IN (0, 1)),
            offset_done INTEGER NOT NULL DEFAULT 0 CHECK (offset_done >= 0),
            lines_done INTEGER NOT NULL DEFAULT 0 CHECK (lines_done >= 0),
            complete INTEGER NOT NULL DEFAULT 0 CHECK (complete IN (0, 1)),
            ends_mid_line INTEGER NOT NULL DEFAULT 0 CHECK (ends_mid_line IN (0, 1)),
            unparsed_lines INTEGER NOT NULL DEFAULT 0,
            generic_lines INTEGER NOT NULL DEFAULT 0,
            truncated_lines INTEGER NOT NULL DEFAULT 0
        );
        CREATE UNIQUE INDEX files_one_current ON files(run_id, path) WHERE state = 'current';
        CREATE INDEX files_by_run ON files(run_id);

        CREATE TABLE templates(
            id INTEGER PRIMARY KEY,
            text TEXT NOT NULL UNIQUE
        );
        CREATE VIRTUAL TABLE templates_fts USING fts5(text, content='templates', content_rowid='id');
        CREATE TRIGGER templates_ai AFTER INSERT ON templates BEGIN
            INSERT INTO templates_fts(rowid, text) VALUES (new.id, new.text);
        END;

        CREATE TABLE template_chunks(
            file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
            template_id INTEGER NOT NULL REFERENCES templates(id),
            count INTEGER NOT NULL CHECK (count > 0),
            first_line INTEGER NOT NULL CHECK (first_line > 0),
            first_offset INTEGER NOT NULL CHECK (first_offset >= 0),
            lines BLOB NOT NULL,
            offsets BLOB NOT NULL
        );
        CREATE INDEX template_chunks_by_file ON template_chunks(file_id);
        CREATE INDEX template_chunks_by_template ON template_chunks(template_id);

        CREATE TABLE events(
            id INTEGER PRIMARY KEY,
            file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
            line INTEGER NOT NULL CHECK (line > 0),
            line_count INTEGER NOT NULL DEFAULT 1 CHECK (line_count > 0),
            byte_offset INTEGER NOT NULL CHECK (byte_offset >= 0),
            time REAL,
            step INTEGER,
            rank INTEGER,
            severity INTEGER NOT NULL CHECK (severity BETWEEN 0 AND 4),
            kind TEXT NOT NULL,
            template_id INTEGER REFERENCES templates(id),
            message TEXT NOT NULL,
            detail TEXT
        );
        CREATE INDEX events_by_file ON events(file_id, line);
        CREATE INDEX events_by_kind ON events(kind);
        CREATE VIRTUAL TABLE events_fts USING fts5(message, content='events', content_rowid='id');
        CREATE TRIGGER events_ai AFTER INSERT ON events BEGIN
            INSERT INTO events_fts(rowid, message) VALUES (new.id, new.message);
        END;
        CREATE TRIGGER events_ad AFTER DELETE ON events BEGIN
            INSERT INTO events_fts(events_fts, rowid, message) VALUES ('delete', old.id, old.message);
        END;

        CREATE TABLE metric_chunks(
            id INTEGER PRIMARY KEY,
            file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            rank INTEGER,
            label TEXT,
            count INTEGER NOT NULL CHECK (count > 0),
            first_step INTEGER,
            last_step INTEGER,
            data BLOB NOT NULL CHECK (length(data) = count * 28)
        );
        CREATE INDEX metric_chunks_by_file ON metric_chunks(file_id, name);

        CREATE TABLE eval_scores(
            file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
            line INTEGER NOT NULL CHECK (line > 0),
            task TEXT NOT NULL, metric TEXT NOT NULL, filter TEXT,
            value REAL NOT NULL, stderr REAL, n_shot INTEGER, samples INTEGER
        );
        CREATE INDEX eval_scores_by_file ON eval_scores(file_id);
        CREATE TABLE eval_samples(
            file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
            line INTEGER NOT NULL CHECK (line > 0),
            task TEXT NOT NULL, doc_id TEXT NOT NULL, correct INTEGER,
            traits TEXT NOT NULL, target TEXT, response TEXT, extracted TEXT, finish_reason TEXT
        );
        CREATE INDEX eval_samples_by_file ON eval_samples(file_id);
        CREATE TABLE config_entries(
            file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
            document TEXT NOT NULL,
            kind TEXT NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            line INTEGER CHECK (line IS NULL OR line > 0),
            secret INTEGER NOT NULL CHECK (secret IN (0, 1))
        );
        CREATE INDEX config_entries_by_file ON config_entries(file_id);
        CREATE TABLE problems(
            file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
            line INTEGER,
            message TEXT NOT NULL
        );
        CREATE TABLE signoffs(
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL CHECK (seq > 0),
            at TEXT NOT NULL,
            by TEXT NOT NULL CHECK (length(by) > 0),
            hypothesis_rank INTEGER,
            cause TEXT NOT NULL,
            verdict TEXT NOT NULL CHECK (verdict IN ('confirmed', 'rejected', 'inconclusive')),
            note TEXT,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL,
            UNIQUE (run_id, seq)
        );
        CREATE TRIGGER signoffs_no_update BEFORE UPDATE ON signoffs BEGIN
            SELECT RAISE(ABORT, 'sign-off entries are append-only');
        END;
        CREATE TRIGGER signoffs_no_delete BEFORE DELETE ON signoffs BEGIN
            SELECT RAISE(ABORT, 'sign-off entries are append-only');
        END;
        """),
        // A row trigger into FTS5 flushes FTS5's pending terms at every statement (~20 µs a
        // row); `EventIndex` indexes each batch's new events and templates with one INSERT ... SELECT.
        ("002-fts-per-batch", """
        DROP TRIGGER IF EXISTS events_ai;
        DROP TRIGGER IF EXISTS templates_ai;
        """),
        // The parser version a file was read with (`ParserRegistry.version`): a file read by
        // another version is re-read like a rewritten file. Rows from before this migration get
        // 0, so an upgraded index re-reads every file once.
        ("003-parser-version", """
        ALTER TABLE files ADD COLUMN parser_version INTEGER NOT NULL DEFAULT 0 CHECK (parser_version >= 0);
        """),
        // Records read from a member of an archive (an Inspect `.eval` zip) name it; their line is
        // a line within the member. NULL for records of the file itself.
        ("004-record-members", """
        ALTER TABLE eval_scores ADD COLUMN member TEXT;
        ALTER TABLE eval_samples ADD COLUMN member TEXT;
        ALTER TABLE config_entries ADD COLUMN member TEXT;
        ALTER TABLE problems ADD COLUMN member TEXT;
        """),
    ]
}
