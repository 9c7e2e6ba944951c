// Package sqlcat holds what the two SQL catalogs, storage/postgres (pgx)
// and storage/sqlite (database/sql), share: error wrapping, the query
// builders for their filters (in either dialect's placeholders and list
// parameters), the steps of a write that do not touch the database, the
// loops that read in batches and the migration run. Each adapter keeps its
// own statements, connections and transactions, and passes what differs
// (a query, a scan, an INSERT) as a small function.
package sqlcat

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sohoa/sohoa"
)

// Dialect is what the shared code needs to know of an adapter.
type Dialect struct {
	// Postgres selects PostgreSQL's SQL: numbered placeholders ($1) and
	// array parameters (col = ANY($1)). Otherwise it is SQLite's:
	// positional placeholders (?), so conditions must be added in the order
	// they appear in the SQL, and lists passed as JSON text read with
	// json_each(?).
	Postgres bool
	// Time is a time as a query parameter.
	Time func(time.Time) any
	// MapErr turns the driver's constraint and data errors into sohoa
	// errors, wraps a full disk's with sohoa.ErrNoSpace (keeping the
	// driver's error), and returns other errors as they are.
	MapErr func(error) error
}

// Wrap maps err and adds context, leaving sohoa errors' codes intact.
func (d *Dialect) Wrap(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	var se *sohoa.Error
	if errors.As(err, &se) {
		return err
	}
	err = d.MapErr(err)
	if errors.As(err, &se) && !errors.Is(err, sohoa.ErrNoSpace) {
		return err
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}

// Require finishes a lookup of a record a write refers to (found, err from
// a SELECT 1): its failure wrapped as "look up <what>", or the error
// (code, format, args) when there is no such record.
func (d *Dialect) Require(found bool, err error, what string, code sohoa.ErrorCode, format string, args ...any) error {
	if err != nil {
		return d.Wrap(err, "look up "+what)
	}
	if !found {
		return sohoa.Errorf(code, format, args...)
	}
	return nil
}

// Args collects a query's parameters and hands out their placeholders.
type Args struct {
	d      *Dialect
	Values []any
}

// Args starts a query's parameters.
func (d *Dialect) Args() Args { return Args{d: d} }

// Add appends v and returns its placeholder.
func (a *Args) Add(v any) string {
	a.Values = append(a.Values, v)
	if a.d.Postgres {
		return "$" + strconv.Itoa(len(a.Values))
	}
	return "?"
}

// Time appends t as the dialect stores it and returns its placeholder.
func (a *Args) Time(t time.Time) string { return a.Add(a.d.Time(t)) }

// In is the condition that col is one of xs.
func (a *Args) In(col string, xs []string) string {
	if a.d.Postgres {
		return col + " = ANY(" + a.Add(xs) + ")"
	}
	return col + " IN (SELECT value FROM json_each(" + a.Add(JSONList(xs)) + "))"
}

// JSONList encodes a list of codes for SQLite's json_each(?).
func JSONList(xs []string) string {
	return jsonArray(xs, strconv.Quote) // codes are ASCII without quotes or backslashes
}

// JSONIDs encodes a list of IDs for SQLite's json_each(?).
func JSONIDs(ids []int64) string {
	return jsonArray(ids, func(id int64) string { return strconv.FormatInt(id, 10) })
}

func jsonArray[T any](xs []T, enc func(T) string) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, x := range xs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(enc(x))
	}
	b.WriteByte(']')
	return b.String()
}

// Strings converts a list of string-based values (statuses, roles).
func Strings[T ~string](xs []T) []string {
	ss := make([]string, len(xs))
	for i, x := range xs {
		ss[i] = string(x)
	}
	return ss
}

// JoinConds is the WHERE clause of the non-empty conditions ("" for none).
func JoinConds(conds []string) string {
	var nonEmpty []string
	for _, c := range conds {
		if c != "" {
			nonEmpty = append(nonEmpty, c)
		}
	}
	if len(nonEmpty) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(nonEmpty, " AND ")
}

// SubtreeSQL is a subquery yielding the codes of the units in the subtrees
// rooted at roots.
func SubtreeSQL(roots []string, a *Args) string {
	return `(WITH RECURSIVE sub(code) AS (
		SELECT code FROM units WHERE ` + a.In("code", roots) + `
		UNION SELECT u.code FROM units u JOIN sub ON u.parent_code = sub.code
	) SELECT code FROM sub)`
}

// ScopeCond restricts the unit column col to scope ("" for AllUnits).
func ScopeCond(scope sohoa.Scope, col string, a *Args) string {
	if scope.All {
		return ""
	}
	return col + " IN " + SubtreeSQL(scope.Units, a)
}
