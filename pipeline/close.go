package pipeline

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/sohoa/sohoa"
)

// KindCloseDue is the periodic job closing the periods whose report
// deadline has passed (sohoa.CloseDuePeriods).
const KindCloseDue = "progress_close_due"

// DefaultCloseInterval is how often the scheduled close looks for periods
// to close. A period closes within this long after its deadline.
const DefaultCloseInterval = time.Hour

// CloseActor is the audit actor (and closed_by) of the scheduled close.
const CloseActor = "system:scheduler"

type closeDueArgs struct{}

func (closeDueArgs) Kind() string { return KindCloseDue }

type closeDueWorker struct {
	river.WorkerDefaults[closeDueArgs]
	p *Pipeline
}

func (w *closeDueWorker) Work(ctx context.Context, job *river.Job[closeDueArgs]) error {
	_, err := w.p.CloseDue(ctx)
	return err
}

// CloseDue closes, at the pipeline's clock, the periods whose report
// deadline has passed and that are not closed yet. The periodic job runs
// it every CloseInterval on one process (River's leader); it is safe to
// run in several processes at once, each period is closed once.
func (p *Pipeline) CloseDue(ctx context.Context) ([]*sohoa.CloseResult, error) {
	res, err := sohoa.CloseDuePeriods(ctx, p.cfg.Catalog, p.now(), CloseActor)
	for _, r := range res {
		p.log.Info("period closed", "period", r.Period, "units", len(r.Units), "already_closed", r.AlreadyClosed)
	}
	return res, err
}

// closeDueJob is the periodic job of the scheduled close.
func (p *Pipeline) closeDueJob() *river.PeriodicJob {
	return river.NewPeriodicJob(
		river.PeriodicInterval(p.cfg.CloseInterval),
		func() (river.JobArgs, *river.InsertOpts) {
			return closeDueArgs{}, &river.InsertOpts{
				MaxAttempts: 3,
				UniqueOpts:  river.UniqueOpts{ByArgs: true, ByState: uniqueStates},
			}
		},
		&river.PeriodicJobOpts{ID: KindCloseDue},
	)
}
