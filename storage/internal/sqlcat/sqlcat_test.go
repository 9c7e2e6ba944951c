package sqlcat

import (
	"reflect"
	"testing"
	"time"

	"github.com/sohoa/sohoa"
)

var (
	pg   = &Dialect{Postgres: true, Time: func(t time.Time) any { return t }, MapErr: func(err error) error { return err }}
	lite = &Dialect{Time: func(t time.Time) any { return t.UTC().Format("2006-01-02T15:04:05.000000Z") },
		MapErr: func(err error) error { return err }}
)

// The SQL both dialects build for a dossier filter, as the adapters wrote
// it before this package.
func TestDossierConds(t *testing.T) {
	from := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	f := sohoa.DossierFilter{
		Scope:           sohoa.Scope{Units: []string{"A", "B"}},
		UnitCode:        "A",
		IncludeSubunits: true,
		ProcedureCode:   "P",
		Statuses:        []sohoa.DossierStatus{"s1", "s2"},
		States:          []sohoa.DigitizationState{"x", "y"},
		ReceivedFrom:    from,
	}
	subtree := func(root string) string {
		return `(WITH RECURSIVE sub(code) AS (
		SELECT code FROM units WHERE ` + root + `
		UNION SELECT u.code FROM units u JOIN sub ON u.parent_code = sub.code
	) SELECT code FROM sub)`
	}
	for _, tc := range []struct {
		d     *Dialect
		conds []string
		args  []any
	}{
		{pg, []string{
			"d.unit_code IN " + subtree("code = ANY($1)"),
			"d.unit_code IN " + subtree("code = ANY($2)"),
			"d.procedure_code = $3",
			"d.status = ANY($4)",
			"d.digitization_state = ANY($5)",
			"d.received_at >= $6",
		}, []any{[]string{"A", "B"}, []string{"A"}, "P", []string{"s1", "s2"}, []string{"x", "y"}, from}},
		{lite, []string{
			"d.unit_code IN " + subtree("code IN (SELECT value FROM json_each(?))"),
			"d.unit_code IN " + subtree("code IN (SELECT value FROM json_each(?))"),
			"d.procedure_code = ?",
			"d.status IN (SELECT value FROM json_each(?))",
			"d.digitization_state IN (SELECT value FROM json_each(?))",
			"d.received_at >= ?",
		}, []any{`["A","B"]`, `["A"]`, "P", `["s1","s2"]`, `["x","y"]`, "2026-01-02T03:04:05.000000Z"}},
	} {
		a := tc.d.Args()
		conds := append(UnitConds(&f, "d.unit_code", &a), DossierConds(&f, &a)...)
		if !reflect.DeepEqual(conds, tc.conds) {
			t.Errorf("Postgres=%v: conds\n%q\nwant\n%q", tc.d.Postgres, conds, tc.conds)
		}
		if !reflect.DeepEqual(a.Values, tc.args) {
			t.Errorf("Postgres=%v: args %#v, want %#v", tc.d.Postgres, a.Values, tc.args)
		}
	}
}

func TestDossierOrder(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	f := sohoa.DossierFilter{Descending: true, Cursor: sohoa.EncodeDossierCursor(at, "C")}
	a := pg.Args()
	conds, order := DossierOrder(&f, 10, []string{"x"}, &a)
	if want := []string{"x", "(d.received_at, d.code) < ($1, $2)"}; !reflect.DeepEqual(conds, want) {
		t.Errorf("conds %q, want %q", conds, want)
	}
	if want := " ORDER BY d.received_at DESC, d.code DESC LIMIT $3"; order != want {
		t.Errorf("order %q, want %q", order, want)
	}
	if want := []any{at, "C", 11}; !reflect.DeepEqual(a.Values, want) {
		t.Errorf("args %#v, want %#v", a.Values, want)
	}
}

func TestDocumentsFrom(t *testing.T) {
	a := lite.Args()
	from, err := DocumentsFrom(&sohoa.DocumentFilter{Scope: sohoa.AllUnits, DossierCode: "D", Role: sohoa.RoleResult, AfterID: 7, Limit: 5}, &a)
	if err != nil {
		t.Fatal(err)
	}
	if want := " FROM documents doc WHERE doc.dossier_code = ? AND doc.role = ? AND doc.id > ? ORDER BY doc.id LIMIT ?"; from != want {
		t.Errorf("got %q, want %q", from, want)
	}
	if want := []any{"D", sohoa.RoleResult, int64(7), 5}; !reflect.DeepEqual(a.Values, want) {
		t.Errorf("args %#v, want %#v", a.Values, want)
	}
}

func TestForEachBlobKey(t *testing.T) {
	const total = 2*BlobKeyBatch + 5
	var afters []string
	var seen int
	err := ForEachBlobKey(func(after string, n int) ([]KeySize, error) {
		afters = append(afters, after)
		var keys []KeySize
		start := 0
		if after != "" {
			start = int(after[0])<<16 | int(after[1])<<8 | int(after[2]) + 1
		}
		for i := start; i < total && len(keys) < n; i++ {
			keys = append(keys, KeySize{Key: string([]byte{byte(i >> 16), byte(i >> 8), byte(i)}), Size: int64(i)})
		}
		return keys, nil
	}, func(key string, size int64) error {
		if int(size) != seen {
			t.Fatalf("key %d came as %d", seen, size)
		}
		seen++
		return nil
	})
	if err != nil || seen != total || len(afters) != 3 || afters[0] != "" {
		t.Errorf("err %v, saw %d keys in %d batches (after %q)", err, seen, len(afters), afters)
	}
}

func TestJSONLists(t *testing.T) {
	if got := JSONIDs([]int64{1, -2, 30}); got != "[1,-2,30]" {
		t.Errorf("JSONIDs: %s", got)
	}
	if got := JSONList(nil); got != "[]" {
		t.Errorf("JSONList(nil): %s", got)
	}
}
