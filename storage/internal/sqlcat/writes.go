package sqlcat

import (
	"fmt"
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
	if upd.RequireGovCA != nil {
		u.RequireGovCA = *upd.RequireGovCA
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

// CheckUserEnabled refuses a disabled user's token or session.
func CheckUserEnabled(u *sohoa.User) error {
	if u.Disabled() {
		return sohoa.ErrUserDisabled
	}
	return nil
}

// CheckUserPassword is the part of a password sign-in after the lookup: u
// and hash are what the catalog holds for the username (u nil when there
// is no such user, hash "" when no password is set). An unknown user costs
// the same work as a wrong password. newHash, when not empty, is a hash
// with the current parameters to store in place of hash.
func CheckUserPassword(u *sohoa.User, hash, plain string) (newHash string, err error) {
	if u == nil || hash == "" {
		sohoa.SpendPasswordCheck(plain)
		return "", sohoa.ErrBadCredentials
	}
	ok, rehash, err := sohoa.CheckPassword(hash, plain)
	if err != nil {
		return "", fmt.Errorf("user %q: %w", u.Username, err)
	}
	if !ok {
		return "", sohoa.ErrBadCredentials
	}
	if err := CheckUserEnabled(u); err != nil {
		return "", err
	}
	if rehash {
		// A password set under older length rules is kept as it is.
		newHash, _ = sohoa.HashPassword(plain)
	}
	return newHash, nil
}

// CheckSession refuses a session that has ended at now, or whose user is
// disabled.
func CheckSession(u *sohoa.User, s *sohoa.Session, now time.Time, idle time.Duration) error {
	if err := s.Check(now, idle); err != nil {
		return err
	}
	return CheckUserEnabled(u)
}
