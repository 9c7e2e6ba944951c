package sohoa

import (
	"context"
	"time"
)

// Procedure is an administrative procedure (thủ tục hành chính) and the
// components (thành phần hồ sơ) a dossier for it must contain.
type Procedure struct {
	Code               string    `json:"code"`
	Name               string    `json:"name"`
	RequiredComponents []string  `json:"required_components"`
	CreatedAt          time.Time `json:"created_at"`
}

// MaxComponents bounds a procedure's required components.
const MaxComponents = 100

// Validate checks the code, name and components, trimming names. Component
// names must be distinct.
func (p *Procedure) Validate() error {
	if err := ValidateCode("procedure", p.Code); err != nil {
		return err
	}
	name, err := validateText("procedure name", p.Name, MaxNameLen, true, false)
	if err != nil {
		return err
	}
	p.Name = name
	comps, err := validateComponents(p.RequiredComponents)
	if err != nil {
		return err
	}
	p.RequiredComponents = comps
	return nil
}

func validateComponents(in []string) ([]string, error) {
	if len(in) > MaxComponents {
		return nil, invalidf("%d required components, more than %d", len(in), MaxComponents)
	}
	out := make([]string, 0, len(in))
	seen := make(map[string]bool, len(in))
	for _, c := range in {
		c, err := validateText("component name", c, MaxNameLen, true, false)
		if err != nil {
			return nil, err
		}
		if seen[c] {
			return nil, invalidf("component %q listed twice", c)
		}
		seen[c] = true
		out = append(out, c)
	}
	return out, nil
}

// ProcedureUpdate changes a procedure; nil fields stay as they are.
type ProcedureUpdate struct {
	Name               *string
	RequiredComponents *[]string
}

// ProcedureService manages administrative procedures.
type ProcedureService interface {
	CreateProcedure(ctx context.Context, p *Procedure) error
	UpdateProcedure(ctx context.Context, code string, upd ProcedureUpdate) (*Procedure, error)
	FindProcedureByCode(ctx context.Context, code string) (*Procedure, error)
	// FindProcedures returns every procedure ordered by code.
	FindProcedures(ctx context.Context) ([]*Procedure, error)
}
