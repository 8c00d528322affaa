-- What analysis found in each call's recording (silences, talk time, waveform peaks), kept so a
-- recording is decoded once. `fingerprint` is the file's size and modification time when it was
-- analysed: a changed file is analysed again. The documents are JSON as the audio crate writes
-- them. Same tables and columns on both engines.
CREATE TABLE recording_analyses (
    call_id BIGINT PRIMARY KEY REFERENCES calls(id),
    fingerprint TEXT NOT NULL,
    analysis TEXT NOT NULL,
    waveform TEXT NOT NULL,
    analysed_at TEXT NOT NULL
);

-- Transcripts of calls from a force's own speech system: timed segments as JSON
-- ([{start_s, end_s, speaker, text}]), and the file they came from.
CREATE TABLE transcripts (
    call_id BIGINT PRIMARY KEY REFERENCES calls(id),
    source TEXT NOT NULL,
    segments TEXT NOT NULL,
    imported_at TEXT NOT NULL
);

-- The phrases a programme's template looks for in transcripts: `kind` is greeting, next-steps or
-- inappropriate. A call-audit programme with none uses the reference lists.
CREATE TABLE template_phrases (
    programme_id BIGINT NOT NULL REFERENCES programmes(id),
    kind TEXT NOT NULL,
    position BIGINT NOT NULL,
    phrase TEXT NOT NULL,
    PRIMARY KEY (programme_id, kind, position)
);
