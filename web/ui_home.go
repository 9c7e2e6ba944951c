package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/verify"
)

// homeDossierLimit bounds the clerk's list of today's dossiers, and
// homeFailureLimit the auditor's list of failed verifications.
var (
	homeDossierLimit = 50
	homeFailureLimit = 10
)

// homeFailureScan is how many of the newest results entries in scope are
// read to find the failed verifications among them.
const homeFailureScan = 500

type homeDossier struct {
	Code, Procedure, Received string
	Digitized                 bool
	State                     string // digitizationState's
	Missing                   missingView
}

type homeFailure struct {
	When, Dossier, File, Reason string
	DocID                       int64
}

type homeData struct {
	Clerk, Auditor, Admin, Head bool
	Today                       string
	Dossiers                    []homeDossier
	More                        bool // more dossiers today than listed
	Failures                    []homeFailure
	Units, Users                int
	DossierCount                int64
	DigitizedCount              int64
}

// vnDay is the start of t's day in Vietnam and of the next day.
func vnDay(t time.Time) (time.Time, time.Time) {
	l := t.In(vnZone)
	start := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, vnZone)
	return start, start.AddDate(0, 0, 1)
}

// handleHome is / for a signed-in browser: what each of the user's roles
// starts the day with. A clerk sees the dossiers received today (Vietnam
// time) in their units and what each still lacks; an auditor the most
// recent failed signature verifications in their scope; an administrator
// the counts and the way to administration; a unit's head the way to the
// progress dashboard; everyone the quick search.
func (s *server) handleHome(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := principalFrom(ctx)
	lang := pageLang(r)
	d := homeData{Clerk: p.Can(sohoa.RoleClerk), Auditor: p.Can(sohoa.RoleAuditor), Admin: p.Can(sohoa.RoleAdmin), Head: p.Can(sohoa.RoleHead)}
	scope := p.Scope()
	from, to := vnDay(s.now())
	d.Today = from.Format("02/01/2006")
	if d.Clerk {
		page, err := s.cfg.Catalog.FindDossiers(ctx, sohoa.DossierFilter{Scope: scope, ReceivedFrom: from, ReceivedBefore: to,
			Descending: true, Limit: homeDossierLimit})
		if err != nil && sohoa.Code(err) != sohoa.EFORBIDDEN { // a clerk without units sees none
			s.pageError(w, r, err)
			return
		}
		if page != nil {
			d.More = page.NextCursor != ""
			for _, x := range page.Dossiers {
				hd := homeDossier{Code: x.Code, Procedure: x.ProcedureCode, Received: x.ReceivedAt.In(vnZone).Format("15:04")}
				st, err := s.cfg.Pipeline.Status(ctx, x.Code)
				if err != nil {
					s.pageError(w, r, err)
					return
				}
				hd.Digitized = st.Digitized
				hd.State = digitizationState(st.Digitized, st.ScannedChecked)
				hd.Missing = missingOf(st, lang)
				d.Dossiers = append(d.Dossiers, hd)
			}
		}
	}
	if d.Auditor || d.Admin {
		fs, err := s.recentFailures(r, scope, lang)
		if err != nil && sohoa.Code(err) != sohoa.EFORBIDDEN {
			s.pageError(w, r, err)
			return
		}
		d.Failures = fs
	}
	if d.Admin {
		if us, err := s.cfg.Catalog.FindUnits(ctx, sohoa.UnitFilter{Scope: sohoa.AllUnits}); err == nil {
			d.Units = len(us)
		}
		if us, err := s.cfg.Catalog.FindUsers(ctx); err == nil {
			d.Users = len(us)
		}
		if cs, err := s.cfg.Catalog.CountDossiers(ctx, sohoa.DossierFilter{Scope: sohoa.AllUnits}); err == nil {
			for _, c := range cs {
				d.DossierCount += c.Count
				if c.DigitizationState == sohoa.DigitizationDigitized {
					d.DigitizedCount += c.Count
				}
			}
		}
	}
	s.renderPage(w, r, http.StatusOK, "home", s.page(r, "home", d))
}

// recentFailures are the newest failed (TOTAL_FAILED) verifications of
// files in scope, one per file, read from the audit log's results entries
// (scoped like the audit page).
func (s *server) recentFailures(r *http.Request, scope sohoa.Scope, lang sohoa.Lang) ([]homeFailure, error) {
	ctx := r.Context()
	es, err := s.cfg.Catalog.FindAuditEntries(ctx, sohoa.AuditFilter{Scope: &scope, Action: sohoa.AuditDocumentResults,
		Newest: true, Limit: homeFailureScan})
	if err != nil {
		return nil, err
	}
	var out []homeFailure
	seen := map[string]bool{}
	for _, e := range es {
		if len(out) >= homeFailureLimit {
			break
		}
		var det sohoa.AuditResultsDetails
		if json.Unmarshal(e.Details, &det) != nil || det.Verification == nil || det.Verification.Indication != sohoa.IndicationTotalFailed {
			continue
		}
		if seen[e.Object] {
			continue
		}
		seen[e.Object] = true
		num, ok := strings.CutPrefix(e.Object, "document:")
		id, err := strconv.ParseInt(num, 10, 64)
		if !ok || err != nil {
			continue
		}
		doc, err := s.cfg.Catalog.FindDocumentByID(ctx, id)
		if err != nil {
			continue // gone since
		}
		reason := subText(verify.SubIndication(det.Verification.SubIndication), lang)
		if reason == "" {
			reason = indicationText(det.Verification.Indication, lang)
		}
		out = append(out, homeFailure{When: vnTime(e.At), Dossier: doc.DossierCode, File: doc.FileName, DocID: doc.ID, Reason: reason})
	}
	return out, nil
}
