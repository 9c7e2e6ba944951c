package verify

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

// assignDocTimestampLevels raises signatures covered by a later verified
// document timestamp: B-B becomes B-T (the timestamp proves existence) and
// B-LT becomes B-LTA.
func assignDocTimestampLevels(rep *Report) {
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
