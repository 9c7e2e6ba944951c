package sohoa

import (
	"context"
	"time"
)

// Targets are the percentages a unit's rates are measured against: the
// plan asks 100% of each, and a unit may be given less for a while (a new
// one-stop shop still buying scanners).
type Targets struct {
	// Digitized is the target of dossiers digitized at intake.
	Digitized int `json:"digitized"`
	// Results is the target of resolved dossiers with a digitized result.
	Results int `json:"results"`
	// Reports is the target of reports signed and of reports on time.
	Reports int `json:"reports"`
}

// DefaultTargets are DefaultTarget for every rate.
func DefaultTargets() Targets {
	return Targets{Digitized: DefaultTarget, Results: DefaultTarget, Reports: DefaultTarget}
}

// Validate checks that every target is a percentage from 1 to 100.
func (t Targets) Validate() error {
	for _, x := range []struct {
		name string
		v    int
	}{{"digitized", t.Digitized}, {"results", t.Results}, {"reports", t.Reports}} {
		if x.v < 1 || x.v > 100 {
			return invalidf("%s target %d is not a percentage from 1 to 100", x.name, x.v)
		}
	}
	return nil
}

// UnitTargets are one unit's own targets.
type UnitTargets struct {
	UnitCode string `json:"unit_code"`
	Targets
	UpdatedAt time.Time `json:"updated_at"`
}

// Validate checks the unit code and the targets.
func (u *UnitTargets) Validate() error {
	if err := ValidateCode("unit", u.UnitCode); err != nil {
		return err
	}
	return u.Targets.Validate()
}

// TargetService stores per-unit targets. A unit without its own uses
// DefaultTargets; targets are not inherited down the tree (a unit's
// subtree figures are measured against the unit's own targets).
// CountProgress returns each unit's targets with its counts.
type TargetService interface {
	// SetUnitTargets stores (replacing) a unit's targets and sets
	// UpdatedAt; an unknown unit is EINVALID.
	SetUnitTargets(ctx context.Context, t *UnitTargets) error
	// DeleteUnitTargets removes a unit's targets (back to the defaults);
	// ENOTFOUND when it had none.
	DeleteUnitTargets(ctx context.Context, unitCode string) error
	// FindUnitTargets lists the stored targets of the units f selects, by
	// unit code (units without targets are left out).
	FindUnitTargets(ctx context.Context, f UnitFilter) ([]*UnitTargets, error)
}
