package verify

import (
	"fmt"
	"slices"
)

// padesLevel derives the PAdES baseline level (ETSI EN 319 142-1) from the
// evidence that verified, never from what the file merely contains:
//   - B-B: the signature verified and a signed ESS signing-certificate
//     attribute binds the signer certificate;
//   - B-T: plus a signature timestamp that verified (a later document
//     timestamp also proves existence; see assignDocTimestampLevels);
//   - B-LT: plus revocation status for every certificate of the path taken
//     from data embedded in the file (CMS or /DSS), not fetched online;
//   - B-LTA: plus a verified document timestamp over that data.
//
// A signature that did not pass gets no level.
func padesLevel(sr *SignatureReport) string {
	if sr.Indication != TotalPassed || !sr.essBound || sr.Kind == KindDocumentTimestamp {
		return ""
	}
	level := "B-B"
	if sr.Timestamp == nil || sr.Timestamp.Indication != TotalPassed {
		return level
	}
	level = "B-T"
	if len(sr.Revocation) == 0 {
		return level
	}
	for _, r := range sr.Revocation {
		if r.Status != "good" || (r.Source != "cms" && r.Source != "dss") {
			return level
		}
	}
	return "B-LT"
}

// assignDocTimestampLevels applies what later verified document timestamps
// prove, once every signature of a PDF was checked: weak material they
// cover is accepted (coverWithDocTimestamps), then B-B becomes B-T (the
// timestamp proves existence) and B-LT becomes B-LTA.
func assignDocTimestampLevels(rep *Report) {
	coverWithDocTimestamps(rep)
	for i := range rep.Signatures {
		s := &rep.Signatures[i]
		if s.PAdESLevel == "" {
			continue
		}
		for _, ts := range rep.Signatures {
			if ts.Kind != KindDocumentTimestamp || ts.Indication != TotalPassed || ts.revision <= s.revision {
				continue
			}
			switch s.PAdESLevel {
			case "B-B":
				s.PAdESLevel = "B-T"
			case "B-LT":
				s.PAdESLevel = "B-LTA"
			}
		}
	}
}

// coverWithDocTimestamps accepts, with a warning, the weak material of a
// signature (an algorithm the policy rejects, see AlgorithmSunsets) that
// no signature timestamp covered when a verified document timestamp in a
// later revision proves the signature existed before the algorithm's
// sunset. The document timestamp must have passed, so it uses acceptable
// algorithms itself (or was covered by a still later one: signatures are
// taken latest revision first). What stays uncovered keeps its
// CRYPTO_CONSTRAINTS_FAILURE_NO_POE problem.
func coverWithDocTimestamps(rep *Report) {
	order := make([]int, len(rep.Signatures))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return rep.Signatures[b].revision - rep.Signatures[a].revision })
	for _, i := range order {
		s := &rep.Signatures[i]
		if len(s.weak) == 0 || s.Indication != Indeterminate || s.revision < 0 {
			continue
		}
		var poe *SignatureReport
		for j := range rep.Signatures {
			ts := &rep.Signatures[j]
			if ts.Kind != KindDocumentTimestamp || ts.Indication != TotalPassed || ts.revision <= s.revision || ts.Timestamp == nil {
				continue
			}
			if poe == nil || ts.Timestamp.Time.Before(poe.Timestamp.Time) {
				poe = ts
			}
		}
		if poe == nil {
			continue
		}
		at, by := poe.Timestamp.Time, fmt.Sprintf("the document timestamp %q", poe.Field)
		var left []weakPending
		for _, w := range s.weak {
			if !w.coveredBy(at) {
				left = append(left, w)
				continue
			}
			if k := slices.Index(s.Problems, w.problem); k >= 0 {
				s.Problems = slices.Delete(s.Problems, k, k+1)
			}
			s.Warnings = append(s.Warnings, w.accepted(at, by))
		}
		if len(left) == len(s.weak) {
			continue
		}
		s.weak = left
		if len(left) == 0 {
			s.Indication, s.SubIndication = s.weakBase, s.weakBaseSub
			if s.Indication == TotalPassed {
				s.PAdESLevel = padesLevel(s)
			}
		}
	}
}
