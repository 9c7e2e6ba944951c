package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// runCLI runs the sohoa command in-process with its own streams and an
// environment that points the data directory at a temporary folder.
func runCLI(t *testing.T, envVars map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	dataDir := t.TempDir()
	e := &env{
		stdin:  strings.NewReader(""),
		stdout: &out,
		stderr: &errb,
		getenv: func(k string) string {
			if v, ok := envVars[k]; ok {
				return v
			}
			if k == "SOHOA_DATA_DIR" {
				return dataDir
			}
			return ""
		},
	}
	code = run(context.Background(), e, args)
	return code, out.String(), errb.String()
}

const samples = "../../testdata/samples"

func sample(name string) string { return filepath.Join(samples, name) }

func interop(name string) string { return filepath.Join("..", "..", "testdata", "interop", name) }

func TestVerifyExitCodes(t *testing.T) {
	trust := sample("trust")
	cases := []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"valid", []string{"verify", "--trust", trust, sample("signed-valid-blt.pdf")}, 0, "TOTAL_PASSED"},
		{"flags after file", []string{"verify", sample("signed-valid-blta.pdf"), "--trust", trust}, 0, "PAdES B-LTA"},
		{"tampered", []string{"verify", "--trust", trust, sample("tampered-page-rewritten.pdf")}, 1, "DISALLOWED_CHANGES"},
		{"untrusted", []string{"verify", "--trust", trust, sample("signed-untrusted.pdf")}, 2, "NO_CERTIFICATE_CHAIN_FOUND"},
		{"no trust anchors", []string{"verify", sample("signed-valid-blt.pdf")}, 2, "NO_CERTIFICATE_CHAIN_FOUND"},
		{"unsigned", []string{"verify", "--trust", trust, sample("unsigned.pdf")}, 2, "NO_SIGNATURE"},
		{"not a pdf", []string{"verify", "--trust", trust, sample("report.xml")}, 3, "UNREADABLE"},
		{"missing file", []string{"verify", "--trust", trust, "no-such-file.pdf"}, 3, "UNREADABLE"},
		{"failure outranks unreadable", []string{"verify", "--trust", trust, sample("report.xml"), sample("tampered-digest.pdf")}, 1, "HASH_FAILURE"},
		{"sha1 allowed", []string{"verify", "--allow-sha1", "--trust", trust, sample("signed-sha1.pdf")}, 0, "TOTAL_PASSED"},
		// Too weak under the policy is not forged: INDETERMINATE, never TOTAL_FAILED.
		{"sha1 by default", []string{"verify", "--trust", trust, sample("signed-sha1.pdf")}, 2, "CRYPTO_CONSTRAINTS_FAILURE_NO_POE"},
		// Real signing software (testdata/interop): encrypted with an owner password only, read and verified.
		{"encrypted, owner password only", []string{"verify", "--trust", interop("trust"), interop("itext-5-encrypted-then-signed-aes128.pdf")}, 0, "Encrypted: AES-128"},
		{"person then agency", []string{"verify", "--trust", interop("trust"), interop("pdfbox-2-two-signatures.pdf")}, 0, "2 passed"},
		{"needs a user password, unsigned", []string{"verify", "--trust", trust, filepath.Join("..", "..", "verify", "testdata", "encrypted", "locked-unsigned.pdf")}, 3, "needs a user password"},
		{"detached", []string{"verify", "--trust", trust, "--detached", sample("report.xml.p7s"), sample("report.xml")}, 0, "TOTAL_PASSED"},
		{"detached wrong content", []string{"verify", "--trust", trust, "--detached", sample("report.xml.p7s"), sample("unsigned.pdf")}, 1, "HASH_FAILURE"},
		{"detached garbage", []string{"verify", "--trust", trust, "--detached", sample("report.xml"), sample("report.xml")}, 3, "UNREADABLE"},
		{"no file", []string{"verify"}, exitUsage, ""},
		{"bad --at", []string{"verify", "--at", "yesterday", sample("unsigned.pdf")}, exitUsage, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, nil, tc.args...)
			require.Equal(t, tc.code, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			require.Contains(t, out, tc.out)
		})
	}
}

func TestVerifyHumanOutputShowsSignerDetails(t *testing.T) {
	code, out, _ := runCLI(t, nil, "verify", "--trust", sample("trust"), sample("signed-valid-blt.pdf"))
	require.Equal(t, 0, code)
	firstLine := strings.SplitN(out, "\n", 2)[0]
	require.Contains(t, firstLine, "TOTAL_PASSED", "the verdict comes first")
	for _, want := range []string{"Nguyễn Văn A", "MST:0101234567", "CCCD:001099012345", "Issuer:", "Serial:", "Claimed signing time", "not trusted", "Timestamp:", "Byte range:", "ENTIRE_REVISION", "Revocation:"} {
		require.Contains(t, out, want)
	}
}

func TestVerifyJSONSchema(t *testing.T) {
	code, out, _ := runCLI(t, nil, "verify", "--json", "--trust", sample("trust"), sample("two-signatures.pdf"), sample("report.xml"))
	require.Equal(t, verifyUnreadable, code)
	var doc struct {
		Schema string `json:"schema"`
		Files  []struct {
			File       string `json:"file"`
			Error      string `json:"error"`
			Indication string `json:"indication"`
			Signatures []struct {
				Field         string `json:"field"`
				Indication    string `json:"indication"`
				PAdESLevel    string `json:"pades_level"`
				ChainTrusted  bool   `json:"chain_trusted"`
				DigestMatches bool   `json:"digest_matches"`
				ByteRange     struct {
					Values   []int64 `json:"values"`
					Coverage string  `json:"coverage"`
				} `json:"byte_range"`
				Signer struct {
					CommonName string   `json:"common_name"`
					UIDs       []string `json:"uids"`
				} `json:"signer"`
			} `json:"signatures"`
			UnsignedFields []string `json:"unsigned_fields"`
		} `json:"files"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &doc), out)
	require.Equal(t, "sohoa.verify/v1", doc.Schema)
	require.Len(t, doc.Files, 2)
	f := doc.Files[0]
	require.Equal(t, "TOTAL_PASSED", f.Indication)
	require.Len(t, f.Signatures, 2)
	require.Equal(t, "ENTIRE_REVISION", f.Signatures[0].ByteRange.Coverage)
	// The sample adds validation data (/DSS) after the second signature.
	require.Equal(t, "ENTIRE_REVISION", f.Signatures[1].ByteRange.Coverage)
	require.Greater(t, f.Signatures[1].ByteRange.Values[2], f.Signatures[0].ByteRange.Values[2])
	require.Len(t, f.Signatures[0].ByteRange.Values, 4)
	require.True(t, f.Signatures[0].ChainTrusted)
	require.Contains(t, f.Signatures[0].Signer.UIDs, "MST:0101234567")
	require.NotNil(t, f.UnsignedFields)
	require.NotEmpty(t, doc.Files[1].Error)
}

func TestVerifyTrustDirFromEnvironment(t *testing.T) {
	code, _, _ := runCLI(t, map[string]string{"SOHOA_TRUST_DIR": sample("trust")}, "verify", sample("signed-valid-blt.pdf"))
	require.Equal(t, 0, code)
	code, _, errOut := runCLI(t, map[string]string{"SOHOA_TRUST_DIR": filepath.Join(t.TempDir(), "missing")}, "verify", sample("signed-valid-blt.pdf"))
	require.Equal(t, exitUsage, code)
	require.Contains(t, errOut, "trust directory")
}

func TestVerifyAtTime(t *testing.T) {
	// The untrusted-chain sample is not the point here: --at changes the
	// validation time of signatures without a verified timestamp.
	code, out, _ := runCLI(t, nil, "verify", "--json", "--at", "2030-01-02", "--trust", sample("trust"), sample("signed-untrusted.pdf"))
	require.Equal(t, verifyIndet, code)
	require.Contains(t, out, `"validation_time_source": "requested_time"`)
	require.Contains(t, out, `"validation_time": "2030-01-01T17:00:00Z"`)
}

func TestVersionAndHelp(t *testing.T) {
	code, out, _ := runCLI(t, nil, "version")
	require.Equal(t, 0, code)
	require.True(t, strings.HasPrefix(out, "sohoa "))
	code, out, _ = runCLI(t, nil, "help")
	require.Equal(t, 0, code)
	require.Contains(t, out, "verify")
	code, _, errOut := runCLI(t, nil, "frobnicate")
	require.Equal(t, exitUsage, code)
	require.Contains(t, errOut, "unknown command")
	_, err := os.Stat(sample("trust"))
	require.NoError(t, err)
}
