package sqlcat

import (
	"reflect"
	"testing"
	"time"

	"github.com/sohoa/sohoa"
)

type fakeRow struct{ vals []int }

func (r fakeRow) Scan(dest ...any) error {
	for i, d := range dest {
		*d.(*int) = r.vals[i]
	}
	return nil
}

// The statements both dialects run for the sign-in throttle and for
// ending expired sessions, as the adapters wrote them before this package
// (SQLite's numbered ?1..?3 became repeated positional parameters).
func TestSessionsSQL(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	ago := now.Add(-time.Hour)
	for _, tc := range []struct {
		d                  *Dialect
		count, expire      string
		countArgs, expArgs []any
	}{
		{pg, `SELECT
		(SELECT count(*) FROM sign_in_failures WHERE $1::text <> '' AND username = $2 AND at >= $3),
		(SELECT count(*) FROM sign_in_failures WHERE $4::text <> '' AND addr = $5 AND at >= $6)`,
			`DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2`,
			[]any{"ann", "ann", now, "10.0.0.1", "10.0.0.1", now}, []any{now, ago}},
		{lite, `SELECT
		(SELECT count(*) FROM sign_in_failures WHERE ? <> '' AND username = ? AND at >= ?),
		(SELECT count(*) FROM sign_in_failures WHERE ? <> '' AND addr = ? AND at >= ?)`,
			`DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?`,
			[]any{"ann", "ann", "2026-01-02T03:04:05.000000Z", "10.0.0.1", "10.0.0.1", "2026-01-02T03:04:05.000000Z"},
			[]any{"2026-01-02T03:04:05.000000Z", "2026-01-02T02:04:05.000000Z"}},
	} {
		var queries []string
		var args [][]any
		q := Querier{
			QueryRow: func(query string, a ...any) Row {
				queries, args = append(queries, query), append(args, a)
				return fakeRow{[]int{2, 3}}
			},
			Exec: func(query string, a ...any) (int64, error) {
				queries, args = append(queries, query), append(args, a)
				return 4, nil
			},
		}
		x := &Sessions{D: tc.d}
		got, err := x.SignInFailures(q, "ann", "10.0.0.1", now)
		if err != nil || got != (sohoa.SignInFailures{ByUsername: 2, ByAddr: 3}) {
			t.Fatalf("SignInFailures = %+v, %v", got, err)
		}
		n, err := x.DeleteExpiredSessions(q, now, time.Hour)
		if err != nil || n != 4 {
			t.Fatalf("DeleteExpiredSessions = %d, %v", n, err)
		}
		if want := []string{tc.count, tc.expire}; !reflect.DeepEqual(queries, want) {
			t.Errorf("postgres %v: queries\n%q\nwant\n%q", tc.d.Postgres, queries, want)
		}
		if want := [][]any{tc.countArgs, tc.expArgs}; !reflect.DeepEqual(args, want) {
			t.Errorf("postgres %v: args %v, want %v", tc.d.Postgres, args, want)
		}
	}
}
