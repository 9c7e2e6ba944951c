package web

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/report"
)

// Media types of the progress exports.
const (
	csvType  = "text/csv; charset=utf-8"
	xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// progressFilter is a progress request's filter in the principal's scope:
// period ("" for the current quarter in Vietnam time) and unit ("" for
// every unit in scope). A unit out of scope is ENOTFOUND, as one that does
// not exist: scope does not reveal existence.
func (s *server) progressFilter(ctx context.Context, period, unit string) (sohoa.ProgressFilter, error) {
	f := sohoa.ProgressFilter{Scope: principalFrom(ctx).Scope(), Period: sohoa.PeriodOf(sohoa.PeriodQuarter, s.now()), UnitCode: unit}
	if period != "" {
		p, err := sohoa.ParsePeriod(period)
		if err != nil {
			return f, err
		}
		f.Period = p
	}
	if unit != "" {
		if err := sohoa.ValidateCode("unit", unit); err != nil {
			return f, err
		}
		if err := s.cfg.Catalog.CheckScope(ctx, f.Scope, unit); err != nil {
			if c := sohoa.Code(err); c == sohoa.EFORBIDDEN || c == sohoa.ENOTFOUND {
				return f, sohoa.Errorf(sohoa.ENOTFOUND, "unit %q not found", unit)
			}
			return f, err
		}
	}
	return f, f.Validate()
}

// gapMissing says what a dossier is missing, by the pipeline's rule.
func (s *server) gapMissing(ctx context.Context, code string) (*sohoa.Dossier, []sohoa.Requirement, error) {
	st, err := s.cfg.Pipeline.Status(ctx, code)
	if err != nil {
		return nil, nil, err
	}
	return st.Dossier, st.Missing, nil
}

// handleProgress is GET /api/v1/progress: a period's figures for the
// units in the caller's scope (or one unit's subtree), the same JSON as
// `sohoa progress --json` (report.ReadProgress); with format=csv or xlsx
// the export of `--csv`/`--xlsx` as a download; with missing=digitized or
// results_digitized a page of the dossiers making up that gap.
func (s *server) handleProgress(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	known := map[string]bool{"period": true, "unit": true, "format": true, "target": true, "missing": true, "cursor": true, "limit": true}
	for k := range q {
		if !known[k] {
			s.apiError(w, r, sohoa.Errorf(sohoa.EINVALID, "unknown query parameter %.40q", k))
			return
		}
	}
	format := q.Get("format")
	switch format {
	case "", "json", "csv", "xlsx":
	default:
		s.apiError(w, r, sohoa.Errorf(sohoa.EINVALID, "format %.20q: want json, csv or xlsx", format))
		return
	}
	target := 0
	if v := q.Get("target"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			s.apiError(w, r, sohoa.Errorf(sohoa.EINVALID, "target %.20q is not a percentage from 1 to 100", v))
			return
		}
		target = n
	}
	gap := sohoa.GapKind(q.Get("missing"))
	limit := sohoa.DefaultPageSize
	if gap != "" {
		if gap != sohoa.GapDigitized && gap != sohoa.GapResultsDigitized {
			s.apiError(w, r, sohoa.Errorf(sohoa.EINVALID, "missing %.30q: want digitized or results_digitized", gap))
			return
		}
		if format == "csv" || format == "xlsx" {
			s.apiError(w, r, sohoa.Errorf(sohoa.EINVALID, "missing is listed in the JSON answer only, not in the %s export", format))
			return
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > sohoa.MaxPageSize {
			s.apiError(w, r, sohoa.Errorf(sohoa.EINVALID, "limit %.20q: want a number from 1 to %d", v, sohoa.MaxPageSize))
			return
		}
		limit = n
	}
	f, err := s.progressFilter(ctx, q.Get("period"), q.Get("unit"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out, err := report.ReadProgress(ctx, s.cfg.Catalog, f, s.now(), target)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	switch format {
	case "csv", "xlsx":
		var buf bytes.Buffer
		write, ct := report.WriteCSV, csvType
		if format == "xlsx" {
			write, ct = report.WriteXLSX, xlsxType
		}
		if err := write(&buf, out.Progress); err != nil {
			s.apiError(w, r, err)
			return
		}
		h := w.Header()
		h.Set("Content-Type", ct)
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Disposition", `attachment; filename="`+progressFileName(f)+"."+format+`"`)
		h.Set("Content-Length", strconv.Itoa(buf.Len()))
		w.WriteHeader(http.StatusOK)
		_, _ = buf.WriteTo(w)
		return
	}
	if gap != "" {
		if out.Missing, err = report.ReadGap(ctx, s.cfg.Catalog, s.gapMissing, f, gap, q.Get("cursor"), limit); err != nil {
			s.apiError(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// progressFileName names an export: tien-do-2026-Q1, with the unit when
// one was asked for (unit codes are file-name safe: [A-Za-z0-9._-]).
func progressFileName(f sohoa.ProgressFilter) string {
	name := "tien-do-" + f.Period.String()
	if f.UnitCode != "" {
		name += "-" + f.UnitCode
	}
	return name
}

// progressExportURL is the API address of a listing's export.
func progressExportURL(f sohoa.ProgressFilter, format string) string {
	q := url.Values{"period": {f.Period.String()}, "format": {format}}
	if f.UnitCode != "" {
		q.Set("unit", f.UnitCode)
	}
	return "/api/v1/progress?" + q.Encode()
}
