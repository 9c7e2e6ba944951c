package sohoa

import (
	"context"
	"time"
)

// PeriodicReport records that a unit submitted its signed report for a
// reporting period. A unit may submit several (corrections); each is kept.
type PeriodicReport struct {
	ID          int64     `json:"id"`
	UnitCode    string    `json:"unit_code"`
	Period      string    `json:"period"` // canonical Period.String(): "2026-Q1", "2026-03", "2026"
	DocumentID  int64     `json:"document_id"`
	SubmittedAt time.Time `json:"submitted_at"`
}

// Validate checks a report before it is recorded, canonicalising Period.
func (r *PeriodicReport) Validate() error {
	if err := ValidateCode("unit", r.UnitCode); err != nil {
		return err
	}
	p, err := ParsePeriod(r.Period)
	if err != nil {
		return err
	}
	r.Period = p.String()
	if r.DocumentID <= 0 {
		return invalidf("periodic report has no document")
	}
	r.SubmittedAt, err = NormalizeTime("submitted_at", r.SubmittedAt)
	return err
}

// ReportFilter selects periodic reports; zero fields do not filter.
// Results are ordered by submission time, oldest first.
type ReportFilter struct {
	Scope    Scope
	UnitCode string
	Period   string
}

// ReportService records periodic reports.
type ReportService interface {
	// CreatePeriodicReport records a submission and sets its ID. The same
	// document submitted twice for a unit and period is ECONFLICT.
	CreatePeriodicReport(ctx context.Context, r *PeriodicReport) error
	FindPeriodicReports(ctx context.Context, f ReportFilter) ([]*PeriodicReport, error)
}
