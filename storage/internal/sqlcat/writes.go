package sqlcat

import (
	"time"

	"github.com/sohoa/sohoa"
)

// ApplyUnitUpdate applies upd to u and validates the result.
func ApplyUnitUpdate(u *sohoa.Unit, upd sohoa.UnitUpdate) error {
	if upd.Name != nil {
		u.Name = *upd.Name
	}
	if upd.ParentCode != nil {
		u.ParentCode = *upd.ParentCode
	}
	return u.Validate()
}

// ApplyProcedureUpdate applies upd to p and validates the result.
func ApplyProcedureUpdate(p *sohoa.Procedure, upd sohoa.ProcedureUpdate) error {
	if upd.Name != nil {
		p.Name = *upd.Name
	}
	if upd.RequiredComponents != nil {
		p.RequiredComponents = *upd.RequiredComponents
	}
	return p.Validate()
}

// AncestryQuery is a SELECT 1 query that finds a row when the unit at the
// placeholder unit, or one of its ancestors, meets cond (on code).
func AncestryQuery(unit, cond string) string {
	return `WITH RECURSIVE anc(code, parent_code) AS (
			SELECT code, parent_code FROM units WHERE code = ` + unit + `
			UNION SELECT u.code, u.parent_code FROM units u JOIN anc ON u.code = anc.parent_code
		) SELECT 1 FROM anc WHERE ` + cond
}

// InsertDossier writes d with insert under its own code or, when it has
// none, under codes from next until one is free, and returns the code
// written. insert reports whether it wrote the row (false: the code is
// taken) and wraps its own errors.
func InsertDossier(d *sohoa.Dossier, next func() (string, error), insert func(code string) (bool, error)) (string, error) {
	generate := d.Code == ""
	for attempt := 0; ; attempt++ {
		code := d.Code
		if generate {
			var err error
			if code, err = next(); err != nil {
				return "", err
			}
		}
		inserted, err := insert(code)
		if err != nil {
			return "", err
		}
		if inserted {
			return code, nil
		}
		if !generate {
			return "", sohoa.Errorf(sohoa.ECONFLICT, "dossier %q already exists", code)
		}
		// A code imported from another system took this number; try the next.
		if attempt > 1000 {
			return "", sohoa.Errorf(sohoa.ECONFLICT, "no free dossier code for unit %q on %s", d.UnitCode, sohoa.DossierDay(d.ReceivedAt))
		}
	}
}

// CheckTokenExpiry refuses t once it has expired at now.
func CheckTokenExpiry(t *sohoa.APIToken, now time.Time) error {
	if t.ExpiresAt != nil && !now.Before(*t.ExpiresAt) {
		return sohoa.Errorf(sohoa.EUNAUTHORIZED, "API token %q expired at %s", t.Name, t.ExpiresAt.Format(time.RFC3339))
	}
	return nil
}
