package pipeline

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// WorkerProcess is one process that ran (or runs) workers, as its
// heartbeat row in the catalog database records it.
type WorkerProcess struct {
	// ID is the process's River client ID, the name River writes into a
	// job's attempted_by when the process takes the job.
	ID          string     `json:"id"`
	Host        string     `json:"host"`
	PID         int        `json:"pid"`
	Command     string     `json:"command"`
	StartedAt   time.Time  `json:"started_at"`
	HeartbeatAt time.Time  `json:"heartbeat_at"`
	StoppedAt   *time.Time `json:"stopped_at,omitempty"`
}

// leaseStore keeps the worker processes' heartbeat rows. The table belongs
// to the pipeline the way river_* belong to River: it is created, when
// missing, by the first pipeline that needs it. Times come from the
// database's clock on PostgreSQL (processes on several hosts share it) and
// from the machine's on SQLite (one machine), as River's own times do.
type leaseStore interface {
	ensure(ctx context.Context) error
	// beat records that w is alive and returns the time it recorded.
	beat(ctx context.Context, w *WorkerProcess) (time.Time, error)
	stopped(ctx context.Context, id string) error
	now(ctx context.Context) (time.Time, error)
	find(ctx context.Context, ids []string) (map[string]*WorkerProcess, error)
	// live lists the processes not stopped whose last heartbeat is after
	// since.
	live(ctx context.Context, since time.Time) ([]*WorkerProcess, error)
	// prune deletes rows of processes stopped before stoppedBefore or
	// silent since before silentBefore.
	prune(ctx context.Context, stoppedBefore, silentBefore time.Time) error
}

const workerColumns = `id, host, pid, command, started_at, heartbeat_at, stopped_at`

type pgLeases struct{ pool *pgxpool.Pool }

func (s *pgLeases) ensure(ctx context.Context) error {
	// Two processes creating the table at once can both fail a plain
	// IF NOT EXISTS (a unique violation in the catalog tables): take a
	// transaction-level advisory lock first.
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('sohoa.worker_processes'))`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS worker_processes (
			id           text PRIMARY KEY,
			host         text NOT NULL,
			pid          bigint NOT NULL,
			command      text NOT NULL,
			started_at   timestamptz NOT NULL,
			heartbeat_at timestamptz NOT NULL,
			stopped_at   timestamptz
		)`)
		return err
	})
}

func (s *pgLeases) beat(ctx context.Context, w *WorkerProcess) (time.Time, error) {
	var at time.Time
	err := s.pool.QueryRow(ctx, `INSERT INTO worker_processes (id, host, pid, command, started_at, heartbeat_at)
		VALUES ($1, $2, $3, $4, now(), now())
		ON CONFLICT (id) DO UPDATE SET heartbeat_at = now(), stopped_at = NULL
		RETURNING heartbeat_at`, w.ID, w.Host, w.PID, w.Command).Scan(&at)
	return at, err
}

func (s *pgLeases) stopped(ctx context.Context, id string) error {
	_, err := s.pool.Exec(ctx, `UPDATE worker_processes SET stopped_at = now(), heartbeat_at = now() WHERE id = $1`, id)
	return err
}

func (s *pgLeases) now(ctx context.Context) (time.Time, error) {
	var t time.Time
	err := s.pool.QueryRow(ctx, `SELECT now()`).Scan(&t)
	return t, err
}

func (s *pgLeases) find(ctx context.Context, ids []string) (map[string]*WorkerProcess, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+workerColumns+` FROM worker_processes WHERE id = any($1)`, ids)
	if err != nil {
		return nil, err
	}
	out := map[string]*WorkerProcess{}
	for _, w := range scanPGWorkers(rows, &err) {
		out[w.ID] = w
	}
	return out, err
}

func (s *pgLeases) live(ctx context.Context, since time.Time) ([]*WorkerProcess, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+workerColumns+` FROM worker_processes
		WHERE stopped_at IS NULL AND heartbeat_at > $1 ORDER BY started_at, id`, since)
	if err != nil {
		return nil, err
	}
	out := scanPGWorkers(rows, &err)
	return out, err
}

func scanPGWorkers(rows pgx.Rows, errp *error) []*WorkerProcess {
	defer rows.Close()
	var out []*WorkerProcess
	for rows.Next() {
		w := &WorkerProcess{}
		if err := rows.Scan(&w.ID, &w.Host, &w.PID, &w.Command, &w.StartedAt, &w.HeartbeatAt, &w.StoppedAt); err != nil {
			*errp = err
			return nil
		}
		out = append(out, w)
	}
	*errp = rows.Err()
	return out
}

func (s *pgLeases) prune(ctx context.Context, stoppedBefore, silentBefore time.Time) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM worker_processes WHERE stopped_at < $1 OR heartbeat_at < $2`, stoppedBefore, silentBefore)
	return err
}

// sqliteLeases stores times as the catalog does: fixed-width UTC text, so
// text order is time order.
type sqliteLeases struct{ db *sql.DB }

const sqliteTime = "2006-01-02T15:04:05.000000Z"

func liteTime(t time.Time) string { return t.UTC().Format(sqliteTime) }

func (s *sqliteLeases) ensure(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS worker_processes (
		id           TEXT PRIMARY KEY,
		host         TEXT NOT NULL,
		pid          INTEGER NOT NULL,
		command      TEXT NOT NULL,
		started_at   TEXT NOT NULL,
		heartbeat_at TEXT NOT NULL,
		stopped_at   TEXT
	) STRICT`)
	return err
}

func (s *sqliteLeases) beat(ctx context.Context, w *WorkerProcess) (time.Time, error) {
	now := time.Now().UTC()
	_, err := s.db.ExecContext(ctx, `INSERT INTO worker_processes (id, host, pid, command, started_at, heartbeat_at)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, stopped_at = NULL`,
		w.ID, w.Host, w.PID, w.Command, liteTime(now), liteTime(now))
	return now, err
}

func (s *sqliteLeases) stopped(ctx context.Context, id string) error {
	now := liteTime(time.Now())
	_, err := s.db.ExecContext(ctx, `UPDATE worker_processes SET stopped_at = ?, heartbeat_at = ? WHERE id = ?`, now, now, id)
	return err
}

func (s *sqliteLeases) now(context.Context) (time.Time, error) { return time.Now().UTC(), nil }

func (s *sqliteLeases) find(ctx context.Context, ids []string) (map[string]*WorkerProcess, error) {
	out := map[string]*WorkerProcess{}
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		args := make([]any, len(chunk))
		marks := make([]byte, 0, 2*len(chunk))
		for i, id := range chunk {
			args[i] = id
			if i > 0 {
				marks = append(marks, ',')
			}
			marks = append(marks, '?')
		}
		rows, err := s.db.QueryContext(ctx, `SELECT `+workerColumns+` FROM worker_processes WHERE id IN (`+string(marks)+`)`, args...)
		if err != nil {
			return nil, err
		}
		ws, err := scanLiteWorkers(rows)
		if err != nil {
			return nil, err
		}
		for _, w := range ws {
			out[w.ID] = w
		}
	}
	return out, nil
}

func (s *sqliteLeases) live(ctx context.Context, since time.Time) ([]*WorkerProcess, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+workerColumns+` FROM worker_processes
		WHERE stopped_at IS NULL AND heartbeat_at > ? ORDER BY started_at, id`, liteTime(since))
	if err != nil {
		return nil, err
	}
	return scanLiteWorkers(rows)
}

func scanLiteWorkers(rows *sql.Rows) ([]*WorkerProcess, error) {
	defer rows.Close()
	var out []*WorkerProcess
	for rows.Next() {
		w := &WorkerProcess{}
		var started, beat string
		var stopped sql.NullString
		if err := rows.Scan(&w.ID, &w.Host, &w.PID, &w.Command, &started, &beat, &stopped); err != nil {
			return nil, err
		}
		var err error
		if w.StartedAt, err = time.Parse(sqliteTime, started); err != nil {
			return nil, fmt.Errorf("worker %s: started_at: %w", w.ID, err)
		}
		if w.HeartbeatAt, err = time.Parse(sqliteTime, beat); err != nil {
			return nil, fmt.Errorf("worker %s: heartbeat_at: %w", w.ID, err)
		}
		if stopped.Valid {
			t, err := time.Parse(sqliteTime, stopped.String)
			if err != nil {
				return nil, fmt.Errorf("worker %s: stopped_at: %w", w.ID, err)
			}
			w.StoppedAt = &t
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

func (s *sqliteLeases) prune(ctx context.Context, stoppedBefore, silentBefore time.Time) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM worker_processes WHERE stopped_at < ? OR heartbeat_at < ?`,
		liteTime(stoppedBefore), liteTime(silentBefore))
	return err
}
