package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/pipeline"
)

// demoStatusJSON is the part of `sohoa status --json` the demo test reads.
type demoStatusJSON struct {
	Dossier struct {
		Code   string `json:"code"`
		Status string `json:"status"`
	} `json:"dossier"`
	Documents []struct {
		FileName   string `json:"file_name"`
		SHA256     string `json:"sha256"`
		Inspection *struct {
			Outcome  string `json:"outcome"`
			Findings []struct {
				Rule    string `json:"rule"`
				Outcome string `json:"outcome"`
				Message string `json:"message"`
			} `json:"findings"`
		} `json:"inspection"`
		Verification *struct {
			Indication    string `json:"indication"`
			SubIndication string `json:"sub_indication"`
		} `json:"verification"`
	} `json:"documents"`
	Missing []struct {
		Message string       `json:"message"`
		Reason  sohoa.Reason `json:"reason"`
	} `json:"missing"`
	Digitized bool `json:"digitized"`
}

func TestDemo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	vars := map[string]string{"SOHOA_DATA_DIR": dir}

	code, out, errOut := runCmd(t, vars, "demo")
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, out, "2 of 4 dossiers digitized.")
	assert.Contains(t, out, "49 new, 0 already there")
	assert.Contains(t, out, "Certified copies (bản sao điện tử): 17 scans")
	assert.FileExists(t, filepath.Join(dir, "trust", "sohoa-sample-root.pem"))
	assert.FileExists(t, filepath.Join(dir, "trust", demoAgencyRootFile))

	codes := regexp.MustCompile(`(?m)^Dossier (\S+)$`).FindAllStringSubmatch(out, -1)
	require.Len(t, codes, 4, out)

	// The serve command the demo suggests works on the demo's data.
	serveLine := regexp.MustCompile(`(?m)^ or: sohoa serve(.*?)   \(`).FindStringSubmatch(out)
	require.NotNil(t, serveLine, out)
	assert.Equal(t, " --data-dir "+dir, serveLine[1])
	srv := startServe(t, nil, append(strings.Fields(serveLine[1]), "--addr", "127.0.0.1:0", "--no-workers")...)
	res, body := httpGet(t, nil, srv.url+"readyz")
	assert.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Equal(t, exitOK, srv.shutdown(t), srv.logs())

	status := func(code string) demoStatusJSON {
		t.Helper()
		c, o, e := runCmd(t, vars, "status", "--json", code)
		require.Equal(t, 0, c, e)
		var st demoStatusJSON
		require.NoError(t, json.Unmarshal([]byte(o), &st), o)
		return st
	}
	type verdict struct{ inspection, indication, sub string }
	want := []map[string]verdict{
		{"signed-valid-blt.pdf": {"warn", "TOTAL_PASSED", ""}, "scan-300dpi.pdf": {"warn", "INDETERMINATE", "NO_SIGNATURE"},
			"scan-300dpi (bản sao điện tử).pdf": {"warn", "TOTAL_PASSED", ""}},
		{"two-signatures.pdf": {"warn", "TOTAL_PASSED", ""}, "unsigned.pdf": {"warn", "INDETERMINATE", "NO_SIGNATURE"}, "certified-p2.pdf": {"warn", "TOTAL_PASSED", ""},
			"unsigned (bản sao điện tử).pdf": {"warn", "TOTAL_PASSED", ""}},
		{"tampered-digest.pdf": {"warn", "TOTAL_FAILED", "HASH_FAILURE"}, "tampered-page-rewritten.pdf": {"warn", "TOTAL_FAILED", "DISALLOWED_CHANGES"}},
		{"signed-valid-blt.pdf": {"warn", "TOTAL_PASSED", ""}, "scan-low-resolution.pdf": {"fail", "INDETERMINATE", "NO_SIGNATURE"}},
	}
	digitized := []bool{true, true, false, false}
	var sts []demoStatusJSON
	for i, m := range codes {
		code := m[1]
		assert.Regexp(t, `^000\.00\.12\.G05-\d{6}-000`+string(rune('1'+i))+`$`, code)
		st := status(code)
		sts = append(sts, st)
		assert.Equal(t, digitized[i], st.Digitized, "dossier %s: missing %v", code, st.Missing)
		got := map[string]verdict{}
		for _, d := range st.Documents {
			require.NotNil(t, d.Inspection, d.FileName)
			require.NotNil(t, d.Verification, d.FileName)
			got[d.FileName] = verdict{d.Inspection.Outcome, d.Verification.Indication, d.Verification.SubIndication}
		}
		assert.Equal(t, want[i], got, "dossier %s", code)
	}
	assert.Equal(t, "resolved", sts[1].Dossier.Status)
	// The low-resolution scan says why, in terms a clerk can act on.
	var lowRes string
	for _, d := range sts[3].Documents {
		if d.FileName != "scan-low-resolution.pdf" {
			continue
		}
		for _, f := range d.Inspection.Findings {
			if f.Rule == "resolution" {
				assert.Equal(t, "fail", f.Outcome)
				lowRes = f.Message
			}
		}
	}
	assert.Contains(t, lowRes, "100 dpi, needs 200")
	var lines []string
	var reasons []sohoa.ReasonCode
	for _, m := range sts[3].Missing {
		lines, reasons = append(lines, m.Message), append(reasons, m.Reason.Code)
	}
	assert.Contains(t, strings.Join(lines, "\n"), "scan-low-resolution.pdf")
	assert.Contains(t, reasons, sohoa.ReasonInspectionFailed)
	// The same bytes in two dossiers: two documents over one blob.
	assert.Equal(t, sts[0].Documents[0].SHA256, sts[3].Documents[0].SHA256)

	c, o, e := runCmd(t, vars, "fsck")
	assert.Equal(t, 0, c, o+e)
	// The 8 samples, 17 certified copies and the report.
	assert.Contains(t, o, "catalog: 26 blob keys; blob store: 26 blobs")
	past := demoCheckHistory(t, vars, dir)

	// Running it again shows the same dossiers and adds nothing.
	code, out2, errOut := runCmd(t, vars, "demo")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out2, "already holds the demo")
	assert.Contains(t, out2, "0 new, 49 already there")
	assert.Equal(t, codes, regexp.MustCompile(`(?m)^Dossier (\S+)$`).FindAllStringSubmatch(out2, -1))
	assert.Contains(t, out2, "2 of 4 dossiers digitized.")
	assert.Contains(t, out2, "closed before")
	assert.NotContains(t, out2, "closed now")
	// Nothing changed: the same files, copies, report and snapshots.
	c, o, e = runCmd(t, vars, "fsck")
	assert.Equal(t, 0, c, o+e)
	assert.Contains(t, o, "catalog: 26 blob keys; blob store: 26 blobs")
	assert.Equal(t, past, demoCheckHistory(t, vars, dir))
	c, o, e = runCmd(t, vars, "audit", "verify")
	assert.Equal(t, exitOK, c, o+e)
}

// demoCheckHistory checks what the demo made of the past: the shop's
// certified copies pass verification and name their maker, both past
// quarters are closed with the expected frozen figures, and the last
// one's report is signed and on time, made once. It returns the two
// quarters' snapshots and the reports, as JSON, for comparison.
func demoCheckHistory(t *testing.T, vars map[string]string, dir string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, demoMarker))
	require.NoError(t, err)
	var state demoState
	require.NoError(t, json.Unmarshal(b, &state))
	periods := demoPastPeriods(state.FilledAt)
	type figure struct {
		Count int64 `json:"count"`
		Of    int64 `json:"of"`
	}
	type progressJSON struct {
		Snapshot *struct {
			ClosedBy string `json:"closed_by"`
			Figures  struct {
				Units []struct {
					Code              string `json:"code"`
					Report            string `json:"report"`
					ReportSubmittedAt string `json:"report_submitted_at"`
					Own               struct {
						Received         int64  `json:"received"`
						Digitized        figure `json:"digitized"`
						Resolved         int64  `json:"resolved"`
						ResultsDigitized figure `json:"results_digitized"`
						ReportsSigned    figure `json:"reports_signed"`
						ReportsOnTime    figure `json:"reports_on_time"`
					} `json:"own"`
				} `json:"units"`
			} `json:"figures"`
		} `json:"snapshot"`
	}
	var out []string
	// 2 quarters: 5 of 8 digitized, 2 of 3 results, no report; 9 of 10,
	// 3 of 3, a signed report on time.
	want := [2][6]int64{{8, 5, 3, 2, 0, 0}, {10, 9, 3, 3, 1, 1}}
	for i, p := range periods {
		code, o, e := runCmd(t, vars, "progress", "--period", p.String(), "--unit", demoShop, "--json")
		require.Equal(t, exitOK, code, e)
		var got progressJSON
		require.NoError(t, json.Unmarshal([]byte(o), &got), o)
		require.NotNil(t, got.Snapshot, "%s is closed: %s", p, o)
		assert.Equal(t, demoActor, got.Snapshot.ClosedBy)
		require.Len(t, got.Snapshot.Figures.Units, 1)
		u := got.Snapshot.Figures.Units[0]
		assert.Equal(t, demoShop, u.Code)
		assert.Equal(t, want[i], [6]int64{u.Own.Received, u.Own.Digitized.Count, u.Own.Resolved, u.Own.ResultsDigitized.Count,
			u.Own.ReportsSigned.Count, u.Own.ReportsOnTime.Count}, "%s", p)
		if i == 1 {
			assert.Equal(t, "on_time", u.Report)
			at, err := time.Parse(time.RFC3339, u.ReportSubmittedAt)
			require.NoError(t, err)
			assert.True(t, at.Before(sohoa.ReportDeadline(p)), "submitted %s, due %s", at, p.DueDate())
		} else {
			assert.Equal(t, "missing", u.Report)
		}
		snap, err := json.Marshal(got.Snapshot)
		require.NoError(t, err)
		out = append(out, string(snap))
	}

	// The report dossier: one signed report, made once.
	code, o, e := runCmd(t, vars, "status", "--json", sohoa.ReportDossierCode(demoShop, periods[1]))
	require.Contains(t, []int{exitOK, exitFailure}, code, e)
	var rep demoStatusJSON
	require.NoError(t, json.Unmarshal([]byte(o), &rep), o)
	require.Len(t, rep.Documents, 1, o)
	require.NotNil(t, rep.Documents[0].Verification)
	assert.Equal(t, "TOTAL_PASSED", rep.Documents[0].Verification.Indication)
	out = append(out, rep.Documents[0].SHA256)

	// A history dossier's scan has its certified copy, made by the
	// certify job and verified.
	code, o, e = runCmd(t, vars, "status", "--json", demoHistory(state.FilledAt)[0].code)
	require.Equal(t, exitOK, code, e)
	var hist struct {
		Digitized bool `json:"digitized"`
		Documents []struct {
			FileName     string `json:"file_name"`
			UploadedBy   string `json:"uploaded_by"`
			Verification struct {
				Indication string `json:"indication"`
			} `json:"verification"`
		} `json:"documents"`
	}
	require.NoError(t, json.Unmarshal([]byte(o), &hist), o)
	assert.True(t, hist.Digitized)
	var copies int
	for _, d := range hist.Documents {
		if d.UploadedBy == pipeline.ActorCertify {
			copies++
			assert.Equal(t, "scan-300dpi (bản sao điện tử).pdf", d.FileName)
			assert.Equal(t, "TOTAL_PASSED", d.Verification.Indication)
		}
	}
	assert.Equal(t, 1, copies, o)
	return out
}

func TestDemoRefusesDataInUse(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "sohoa.db"), []byte("not ours"), 0o644))
	code, out, errOut := runCmd(t, map[string]string{"SOHOA_DATA_DIR": dir}, "demo")
	assert.Equal(t, exitFailure, code, out)
	assert.Contains(t, errOut, "is not empty and was not filled by sohoa demo")
	b, err := os.ReadFile(filepath.Join(dir, "sohoa.db"))
	require.NoError(t, err)
	assert.Equal(t, "not ours", string(b))
	_, err = os.Stat(filepath.Join(dir, demoMarker))
	assert.ErrorIs(t, err, os.ErrNotExist)

	code, _, _ = runCmd(t, nil, "demo", "extra")
	assert.Equal(t, exitUsage, code)
}
