package store

// migrations[v] brings a store from schema version v to v+1. A store's
// version is SQLite's user_version; Open applies the missing steps in one
// transaction and refuses a store written by a newer dopa. Never edit a
// step once released: append a new one.
var migrations = []string{
	// 0 -> 1: runs and their parameters, sweeps and their points, named
	// parameter sets.
	`
CREATE TABLE sweeps (
	id          INTEGER PRIMARY KEY,
	name        TEXT NOT NULL DEFAULT '',
	experiment  TEXT NOT NULL DEFAULT '',
	file        TEXT NOT NULL DEFAULT '',
	backend     TEXT NOT NULL DEFAULT '',
	out_dir     TEXT NOT NULL DEFAULT '',
	created     TEXT NOT NULL,
	notes       TEXT NOT NULL DEFAULT ''
);

CREATE TABLE points (
	sweep_id    INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
	point_id    TEXT NOT NULL,
	position    INTEGER NOT NULL,
	PRIMARY KEY (sweep_id, point_id)
);

CREATE TABLE point_params (
	sweep_id    INTEGER NOT NULL,
	point_id    TEXT NOT NULL,
	key         TEXT NOT NULL,
	value       TEXT NOT NULL,
	PRIMARY KEY (sweep_id, point_id, key),
	FOREIGN KEY (sweep_id, point_id) REFERENCES points(sweep_id, point_id) ON DELETE CASCADE
);

CREATE TABLE runs (
	id            INTEGER PRIMARY KEY,
	kind          TEXT NOT NULL DEFAULT '',
	experiment    TEXT NOT NULL DEFAULT '',
	rule          TEXT NOT NULL DEFAULT '',
	seed          INTEGER NOT NULL DEFAULT 0,
	sweep_id      INTEGER REFERENCES sweeps(id) ON DELETE SET NULL,
	point_id      TEXT NOT NULL DEFAULT '',
	status        TEXT NOT NULL CHECK (status IN ('planned','running','done','failed','interrupted')),
	error         TEXT NOT NULL DEFAULT '',
	started       TEXT,
	ended         TEXT,
	out_dir       TEXT NOT NULL DEFAULT '',
	metric        TEXT NOT NULL DEFAULT '',
	metric_value  REAL,
	wall_seconds  REAL,
	created       TEXT NOT NULL
);
CREATE INDEX runs_kind ON runs(kind);
CREATE INDEX runs_experiment_rule ON runs(experiment, rule);
CREATE INDEX runs_rule ON runs(rule);
CREATE INDEX runs_status ON runs(status);
CREATE INDEX runs_sweep_point ON runs(sweep_id, point_id);

-- value is the text as given; value_num the same value as a number when it
-- reads as one (comparisons < and > use it), else NULL.
CREATE TABLE run_params (
	run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	key         TEXT NOT NULL,
	value       TEXT NOT NULL,
	value_num   REAL,
	PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
CREATE INDEX run_params_key_num ON run_params(key, value_num);
CREATE INDEX run_params_key_text ON run_params(key, value);

CREATE TABLE param_sets (
	id          INTEGER PRIMARY KEY,
	name        TEXT NOT NULL UNIQUE,
	created     TEXT NOT NULL,
	updated     TEXT NOT NULL,
	source      TEXT NOT NULL DEFAULT '',
	notes       TEXT NOT NULL DEFAULT ''
);
CREATE TABLE param_set_values (
	set_id      INTEGER NOT NULL REFERENCES param_sets(id) ON DELETE CASCADE,
	key         TEXT NOT NULL,
	value       TEXT NOT NULL,
	PRIMARY KEY (set_id, key)
) WITHOUT ROWID;
`,
}

// SchemaVersion is the schema version this package writes.
var SchemaVersion = len(migrations)
