package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/verify"
)

// showZone is where people read times: Vietnam (UTC+7).
var showZone = time.FixedZone("ICT", 7*3600)

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(showZone).Format("2006-01-02 15:04:05 -07:00")
}

// printReport prints the human summary of one file, verdict first (like
// pdfsig, but the answer comes before the details).
func printReport(w io.Writer, r *verify.Report) {
	if r.Error != "" {
		msg := r.Error
		if r.Unreadable() {
			msg = r.Summary // "cannot be read as a PDF: ..."
		}
		fmt.Fprintf(w, "%s: UNREADABLE — %s\n\n", r.File, msg)
		return
	}
	verdict := string(r.Indication)
	if r.SubIndication != "" {
		verdict += "/" + string(r.SubIndication)
	}
	fmt.Fprintf(w, "%s: %s — %s\n", r.File, verdict, r.Summary)
	if e := r.Encryption; e != nil {
		state := "read with the empty password (permissions only)"
		if !e.Decrypted {
			state = "NOT readable: " + e.Reason
		}
		fmt.Fprintf(w, "  Encrypted: %s (/%s, V%d R%d), %s\n", e.Algorithm, e.Handler, e.V, e.R, state)
	}
	if r.Repaired {
		fmt.Fprintf(w, "  Repaired: the cross-reference data of some revisions was broken and rebuilt from their bytes (below)\n")
	}
	for _, p := range r.Problems {
		fmt.Fprintf(w, "  ! %s\n", p)
	}
	for i, s := range r.Signatures {
		printSignature(w, i+1, &s)
	}
	for _, f := range r.UnsignedFields {
		fmt.Fprintf(w, "  Unsigned signature field %q\n", f)
	}
	fmt.Fprintln(w)
}

func printSignature(w io.Writer, n int, s *verify.SignatureReport) {
	verdict := string(s.Indication)
	if s.SubIndication != "" {
		verdict += "/" + string(s.SubIndication)
	}
	what := string(s.Kind)
	if s.SubFilter != "" {
		what += ", " + s.SubFilter
	}
	level := ""
	if s.PAdESLevel != "" {
		level = "  PAdES " + s.PAdESLevel
	}
	name := ""
	if s.Field != "" {
		name = fmt.Sprintf(" %q", s.Field)
	}
	fmt.Fprintf(w, "  Signature %d%s (%s): %s%s\n", n, name, what, verdict, level)
	for _, p := range s.Problems {
		fmt.Fprintf(w, "    ✗ %s\n", p)
	}
	for _, p := range s.Warnings {
		fmt.Fprintf(w, "    ⚠ %s\n", p)
	}
	if c := s.Signer; c != nil {
		fmt.Fprintf(w, "    Signer:     %s\n", certLine(c))
		fmt.Fprintf(w, "    Issuer:     %s\n", c.Issuer)
		fmt.Fprintf(w, "    Serial:     %s   valid %s … %s\n", c.SerialNumber, fmtTime(c.NotBefore), fmtTime(c.NotAfter))
		if len(c.PolicyOIDs) > 0 {
			fmt.Fprintf(w, "    Policies:   %s\n", strings.Join(c.PolicyOIDs, ", "))
		}
	}
	trusted := "no"
	if s.ChainTrusted {
		trusted = "yes"
		if s.TrustInfrastructure != "" {
			trusted += ", " + sohoa.NewReason(s.TrustInfrastructure.Code()).Text(sohoa.LangEN) + " (" + string(s.TrustInfrastructure) + ")"
		}
	}
	if len(s.Chain) > 0 {
		fmt.Fprintf(w, "    Chain:      %d certificate(s), trusted anchor: %s\n", len(s.Chain), trusted)
	}
	if s.ClaimedSigningTime != nil {
		fmt.Fprintf(w, "    Claimed signing time: %s (signer's claim, not trusted)\n", fmtTime(*s.ClaimedSigningTime))
	}
	if ts := s.Timestamp; ts != nil {
		tsa := ""
		if ts.TSA != nil {
			tsa = ", TSA " + certLine(ts.TSA)
		}
		fmt.Fprintf(w, "    Timestamp:  %s %s%s\n", fmtTime(ts.Time), ts.Indication, tsa)
		for _, p := range ts.Problems {
			fmt.Fprintf(w, "      ✗ %s\n", p)
		}
	}
	if !s.ValidationTime.IsZero() {
		fmt.Fprintf(w, "    Validated at: %s (%s)\n", fmtTime(s.ValidationTime), strings.ReplaceAll(s.ValidationTimeSource, "_", " "))
	}
	if br := s.ByteRange; br != nil {
		fmt.Fprintf(w, "    Byte range: %v %s", br.Values, br.Coverage)
		if br.Revision >= 0 {
			fmt.Fprintf(w, " (revision %d)", br.Revision+1)
		}
		fmt.Fprintln(w)
	}
	if s.DigestAlgorithm != "" {
		fmt.Fprintf(w, "    Digest:     %s %s; signature %s %s\n", s.DigestAlgorithm, okWord(s.DigestMatches, "matches", "DOES NOT MATCH"), s.SignatureAlgorithm, okWord(s.SignatureValid, "valid", "INVALID"))
	}
	for _, rv := range s.Revocation {
		src := rv.Kind
		if rv.Source != "" {
			src += " from " + rv.Source
		}
		fmt.Fprintf(w, "    Revocation: %s: %s (%s)\n", rv.Certificate, rv.Status, strings.TrimSpace(src))
	}
	if s.DocMDPPermissions > 0 {
		fmt.Fprintf(w, "    Certification: DocMDP P=%d\n", s.DocMDPPermissions)
	}
	if ch := s.Changes; ch != nil {
		fmt.Fprintf(w, "    Changes after signing: %d later revision(s), %d allowed, %d disallowed change(s)\n", ch.LaterRevisions, len(ch.Allowed), len(ch.Disallowed))
		for _, n := range ch.Notes {
			fmt.Fprintf(w, "      allowed: %s\n", n)
		}
	}
	for _, kv := range [][2]string{{"Reason", s.Reason}, {"Location", s.Location}, {"Name", s.Name}} {
		if kv[1] != "" {
			fmt.Fprintf(w, "    %s: %s\n", kv[0], kv[1])
		}
	}
}

func certLine(c *verify.CertInfo) string {
	parts := []string{}
	if c.CommonName != "" {
		parts = append(parts, c.CommonName)
	} else {
		parts = append(parts, c.Subject)
	}
	if len(c.Organization) > 0 {
		parts = append(parts, strings.Join(c.Organization, ", "))
	}
	if len(c.UIDs) > 0 {
		parts = append(parts, strings.Join(c.UIDs, ", "))
	}
	return strings.Join(parts, " — ")
}

func okWord(ok bool, yes, no string) string {
	if ok {
		return yes
	}
	return no
}
