package sohoa

import (
	"context"
	"time"
)

// Unit is an organisational unit (đơn vị): the ministry, a department, a
// one-stop shop (Bộ phận Một cửa). Units form a tree through ParentCode; a
// user's unit scope covers a unit and everything below it.
type Unit struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	ParentCode string `json:"parent_code,omitempty"` // "" for a root
	// RequireGovCA is the unit's policy that its results (kết quả giải
	// quyết TTHC) and periodic reports be signed under the Government CA
	// (chữ ký số chuyên dùng Chính phủ): a result whose valid signatures
	// all chain to another infrastructure is then not digitized
	// (ReasonNotGovCA). `sohoa unit policy set CODE --require-gov-ca`.
	RequireGovCA bool      `json:"require_gov_ca,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
}

// Validate checks the code, name and parent code, trimming the name.
func (u *Unit) Validate() error {
	if err := ValidateCode("unit", u.Code); err != nil {
		return err
	}
	name, err := validateText("unit name", u.Name, MaxNameLen, true, false)
	if err != nil {
		return err
	}
	u.Name = name
	if u.ParentCode != "" {
		if err := ValidateCode("parent unit", u.ParentCode); err != nil {
			return err
		}
		if u.ParentCode == u.Code {
			return invalidf("unit %q cannot be its own parent", u.Code)
		}
	}
	return nil
}

// UnitUpdate changes a unit; nil fields stay as they are. ParentCode set
// to "" makes the unit a root.
type UnitUpdate struct {
	Name         *string
	ParentCode   *string
	RequireGovCA *bool
}

// UnitFilter selects units. Under limits the result to that unit and its
// subtree. Results are ordered by code.
type UnitFilter struct {
	Scope Scope
	Under string
}

// UnitService manages the unit tree.
type UnitService interface {
	// CreateUnit adds a unit under an existing parent (EINVALID if the
	// parent is unknown, ECONFLICT if the code is taken) and sets CreatedAt.
	CreateUnit(ctx context.Context, u *Unit) error
	// UpdateUnit renames or moves a unit; a move that would make the unit
	// its own ancestor is EINVALID.
	UpdateUnit(ctx context.Context, code string, upd UnitUpdate) (*Unit, error)
	FindUnitByCode(ctx context.Context, code string) (*Unit, error)
	FindUnits(ctx context.Context, f UnitFilter) ([]*Unit, error)
	// CheckScope returns nil when unitCode lies in scope, EFORBIDDEN when
	// it does not (or is unknown: the caller may not learn which).
	CheckScope(ctx context.Context, scope Scope, unitCode string) error
}
