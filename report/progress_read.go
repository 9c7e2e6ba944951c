package report

import (
	"context"
	"time"

	"github.com/sohoa/sohoa"
)

// Reading a period's figures as every front end shows them: `sohoa
// progress --json` and GET /api/v1/progress print ProgressOutput, and the
// web dashboard draws it.

// ProgressCatalog is what ReadProgress reads: the live counts and the
// period's snapshot.
type ProgressCatalog interface {
	CountProgress(ctx context.Context, f sohoa.ProgressFilter) ([]sohoa.UnitCounts, error)
	FindProgressSnapshot(ctx context.Context, f sohoa.ProgressFilter) ([]sohoa.ProgressSnapshotRow, error)
}

// ProgressOutput is the figures of a period and, with a gap asked for, a
// page of the dossiers making it up. Once the period is closed the
// figures are the snapshot's, Snapshot says when it was taken, Live holds
// today's figures and Changes what differs.
type ProgressOutput struct {
	*sohoa.Progress
	Snapshot *SnapshotOutput `json:"snapshot,omitempty"`
	Live     *FiguresOutput  `json:"live,omitempty"`
	Changes  []sohoa.Change  `json:"changes,omitempty"`
	Missing  *MissingPage    `json:"missing,omitempty"`
}

// FiguresOutput are a listing's figures at a time.
type FiguresOutput struct {
	AsOf  time.Time            `json:"as_of"`
	Total sohoa.Figures        `json:"total"`
	Units []sohoa.UnitProgress `json:"units"`
}

// SnapshotOutput says when the snapshot was taken, with its figures.
type SnapshotOutput struct {
	*sohoa.SnapshotInfo
	Figures FiguresOutput `json:"figures"`
}

// FiguresOf are p's figures.
func FiguresOf(p *sohoa.Progress) FiguresOutput {
	return FiguresOutput{AsOf: p.AsOf, Total: p.Total, Units: p.Units}
}

// MissingPage is a page of the dossiers making up a gap, with what each
// is missing.
type MissingPage struct {
	Gap        sohoa.GapKind      `json:"gap"`
	Dossiers   []sohoa.GapDossier `json:"dossiers"`
	NextCursor string             `json:"next_cursor,omitempty"`
}

// ReadProgress counts f's units at now and builds their figures (target
// above 0 overrides the units' targets); a closed period's are the
// snapshot's, with the live ones and the changes beside them. f's scope
// and unit are the caller's to check.
func ReadProgress(ctx context.Context, cat ProgressCatalog, f sohoa.ProgressFilter, now time.Time, target int) (*ProgressOutput, error) {
	counts, err := cat.CountProgress(ctx, f)
	if err != nil {
		return nil, err
	}
	out := &ProgressOutput{Progress: sohoa.BuildProgress(sohoa.ProgressInput{
		Period: f.Period, Unit: f.UnitCode, Counts: counts, Now: now, Target: target,
	})}
	rows, err := cat.FindProgressSnapshot(ctx, f)
	if err != nil {
		return nil, err
	}
	if official, info, changes := sohoa.ApplySnapshot(out.Progress, rows); official != nil {
		live := FiguresOf(out.Progress)
		out.Live = &live
		out.Progress = official
		out.Snapshot = &SnapshotOutput{SnapshotInfo: info, Figures: FiguresOf(official)}
		out.Changes = changes
	}
	return out, nil
}

// DossierFinder pages dossiers (the catalog's FindDossiers).
type DossierFinder interface {
	FindDossiers(ctx context.Context, f sohoa.DossierFilter) (*sohoa.DossierPage, error)
}

// DossierMissing says what a dossier is missing now, by the digitization
// rule the workers apply (pipeline.Status), with the dossier as read.
type DossierMissing func(ctx context.Context, code string) (*sohoa.Dossier, []sohoa.Requirement, error)

// ReadGap reads a page of limit dossiers after cursor making up f's gap of
// kind, and what each is missing.
func ReadGap(ctx context.Context, cat DossierFinder, missing DossierMissing, f sohoa.ProgressFilter, kind sohoa.GapKind, cursor string, limit int) (*MissingPage, error) {
	df, err := f.GapFilter(kind, cursor, limit)
	if err != nil {
		return nil, err
	}
	page, err := cat.FindDossiers(ctx, df)
	if err != nil {
		return nil, err
	}
	out := &MissingPage{Gap: kind, Dossiers: []sohoa.GapDossier{}, NextCursor: page.NextCursor}
	for _, d := range page.Dossiers {
		dossier, reqs, err := missing(ctx, d.Code)
		if err != nil {
			return nil, err
		}
		out.Dossiers = append(out.Dossiers, sohoa.GapDossier{Dossier: dossier, Missing: reqs})
	}
	return out, nil
}

// TrendCatalog is what ReadTrend reads: ReadProgress' catalog and the
// counts of several periods at once.
type TrendCatalog interface {
	ProgressCatalog
	CountProgressSeries(ctx context.Context, f sohoa.ProgressFilter, periods []sohoa.Period) ([][]sohoa.UnitCounts, error)
}

// ReadTrend reads the figures of f's units (f.Period is not used) in
// each of periods, oldest first, as ReadProgress gives them (its
// Progress: a closed period's snapshot, else the live figures), without
// the live figures and changes beside a snapshot. known holds periods
// already read (the dashboard's own); a period whose snapshot holds
// every unit known lists is read from the snapshot alone; the others are
// counted together in one CountProgressSeries (one snapshot, one
// statement; each period still an index scan of its own dossiers).
func ReadTrend(ctx context.Context, cat TrendCatalog, f sohoa.ProgressFilter, periods []sohoa.Period, now time.Time, target int, known map[sohoa.Period]*sohoa.Progress) ([]*sohoa.Progress, error) {
	out := make([]*sohoa.Progress, len(periods))
	snaps := make([][]sohoa.ProgressSnapshotRow, len(periods))
	// The units listed, from a period already read (the same filter at
	// nearly the same moment): a closed period's figures need only them.
	var skeleton []sohoa.UnitCounts
	for _, p := range known {
		if p != nil {
			skeleton = make([]sohoa.UnitCounts, len(p.Units))
			for i, u := range p.Units {
				skeleton[i] = sohoa.UnitCounts{UnitCode: u.Code, Name: u.Name, ParentCode: u.ParentCode}
			}
			break
		}
	}
	var live []sohoa.Period
	var liveAt []int
	for i, p := range periods {
		if k := known[p]; k != nil {
			out[i] = k
			continue
		}
		tf := f
		tf.Period = p
		rows, err := cat.FindProgressSnapshot(ctx, tf)
		if err != nil {
			return nil, err
		}
		snaps[i] = rows
		if skeleton != nil && coversAll(rows, skeleton) {
			base := sohoa.BuildProgress(sohoa.ProgressInput{Period: p, Unit: f.UnitCode, Counts: skeleton, Now: now, Target: target})
			if official, _, _ := sohoa.ApplySnapshot(base, rows); official != nil {
				out[i] = official
				continue
			}
		}
		live = append(live, p)
		liveAt = append(liveAt, i)
	}
	if len(live) == 0 {
		return out, nil
	}
	series, err := cat.CountProgressSeries(ctx, f, live)
	if err != nil {
		return nil, err
	}
	for j, counts := range series {
		i := liveAt[j]
		pr := sohoa.BuildProgress(sohoa.ProgressInput{Period: live[j], Unit: f.UnitCode, Counts: counts, Now: now, Target: target})
		if official, _, _ := sohoa.ApplySnapshot(pr, snaps[i]); official != nil {
			pr = official
		}
		out[i] = pr
	}
	return out, nil
}

// coversAll says whether rows hold every unit of units.
func coversAll(rows []sohoa.ProgressSnapshotRow, units []sohoa.UnitCounts) bool {
	have := make(map[string]bool, len(rows))
	for _, r := range rows {
		have[r.UnitCode] = true
	}
	for _, u := range units {
		if !have[u.UnitCode] {
			return false
		}
	}
	return len(units) > 0
}
