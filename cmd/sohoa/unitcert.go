package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/report"
)

const unitCertUsage = `Usage: sohoa unit cert set CODE FILE.p12 [--tsa URL] | show CODE [--json] | remove CODE

A unit's agency signing key (chữ ký số của cơ quan): with one, every scan of
the unit that passes inspection is turned into a certified copy (bản sao
điện tử) signed with it (Decree 30/2020 Appendix I stamp on page 1).
  set     store the key and certificate chain of a PKCS#12 file; its
          passphrase comes from env SOHOA_P12_PASSPHRASE, else a terminal
          prompt, else the first line of standard input. The key is kept
          sealed (AES-256-GCM under a key derived from the audit key file).
          --tsa names an RFC 3161 time-stamping service (PAdES B-T).
  show    the unit's certificate (subject, issuer, validity, SHA-256, TSA)
  remove  remove the unit's key: no more certified copies`

// runUnitCert runs `sohoa unit cert ...`.
func runUnitCert(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || isHelp(args[0]) {
		return subcommandUsage(e, args, unitCertUsage)
	}
	switch args[0] {
	case "set":
		var tsa *string
		var p12 []byte
		var signer report.Signer
		return unitCertCmd{name: "unit cert set", usageLine: "CODE FILE.p12 [--tsa URL]", nargs: 2, audit: true,
			setup: func(fs *flag.FlagSet) {
				tsa = fs.String("tsa", e.getenv("SOHOA_TSA_URL"), "RFC 3161 time-stamping service URL for the unit's certified copies (env SOHOA_TSA_URL)")
			},
			prepare: func(pos []string) error {
				var err error
				if p12, err = os.ReadFile(pos[1]); err != nil {
					return sohoa.Wrapf(err, sohoa.EINVALID, "read %s: %v", pos[1], err)
				}
				pass, err := p12Passphrase(e)
				if err != nil {
					return err
				}
				signer, err = report.LoadPKCS12(p12, pass)
				if err != nil {
					return sohoa.Wrapf(err, sohoa.EINVALID, "%s: %s", pos[1], sohoa.Message(err))
				}
				return nil
			},
			act: func(ctx context.Context, st *stores, tx sohoa.Catalog, pos []string) (string, error) {
				k, err := report.SealUnitKey(st.AuditKey, pos[0], signer, strings.TrimSpace(*tsa))
				if err != nil {
					return "", err
				}
				if err := tx.SetUnitSigningKey(ctx, k); err != nil {
					return "", err
				}
				if err := appendCLIAudit(ctx, tx, "unit.cert_set", "unit:"+k.UnitCode, map[string]any{
					"cert_sha256": k.CertSHA256, "subject": k.Subject, "issuer": k.Issuer,
					"not_after": k.NotAfter.Format(time.RFC3339), "tsa_url": k.TSAURL,
				}); err != nil {
					return "", err
				}
				out := fmt.Sprintf("unit %s: signing key set (sealed): %s\n", k.UnitCode, describeUnitKey(k))
				if time.Now().After(k.NotAfter) {
					out += "warning: the certificate has expired; its copies will not verify\n"
				}
				return out, nil
			}}.run(ctx, e, args[1:])
	case "show":
		var asJSON *bool
		return unitCertCmd{name: "unit cert show", usageLine: "CODE [--json]", nargs: 1,
			setup: func(fs *flag.FlagSet) { asJSON = fs.Bool("json", false, "print JSON") },
			act: func(ctx context.Context, _ *stores, tx sohoa.Catalog, pos []string) (string, error) {
				k, err := tx.FindUnitSigningKey(ctx, pos[0])
				if err != nil {
					return "", err
				}
				if *asJSON {
					b, err := json.MarshalIndent(k, "", "  ")
					return string(b) + "\n", err
				}
				return fmt.Sprintf("unit %s: %s\nset at %s\n", k.UnitCode, describeUnitKey(k), k.UpdatedAt.Format(time.RFC3339)), nil
			}}.run(ctx, e, args[1:])
	case "remove":
		return unitCertCmd{name: "unit cert remove", usageLine: "CODE", nargs: 1, audit: true,
			act: func(ctx context.Context, _ *stores, tx sohoa.Catalog, pos []string) (string, error) {
				k, err := tx.FindUnitSigningKey(ctx, pos[0])
				if err != nil {
					return "", err
				}
				if err := tx.DeleteUnitSigningKey(ctx, pos[0]); err != nil {
					return "", err
				}
				if err := appendCLIAudit(ctx, tx, "unit.cert_remove", "unit:"+k.UnitCode, map[string]any{"cert_sha256": k.CertSHA256}); err != nil {
					return "", err
				}
				return fmt.Sprintf("unit %s: signing key removed; no more certified copies\n", k.UnitCode), nil
			}}.run(ctx, e, args[1:])
	}
	fmt.Fprintf(e.stderr, "sohoa unit cert: unknown subcommand %q (set, show, remove)\n", args[0])
	return exitUsage
}

func describeUnitKey(k *sohoa.UnitSigningKey) string {
	s := fmt.Sprintf("%s\n  issuer %s\n  valid %s to %s\n  certificate SHA-256 %s", k.Subject, k.Issuer,
		k.NotBefore.Format("2006-01-02"), k.NotAfter.Format("2006-01-02"), k.CertSHA256)
	if k.TSAURL != "" {
		s += "\n  time-stamping service " + k.TSAURL
	} else {
		s += "\n  no time-stamping service (copies are PAdES B-B)"
	}
	return s
}

// p12Passphrase reads the PKCS#12 passphrase: env SOHOA_P12_PASSPHRASE,
// else a terminal prompt, else the first line of standard input. An empty
// passphrase is allowed (some tools export without one).
func p12Passphrase(e *env) (string, error) {
	if v := e.getenv("SOHOA_P12_PASSPHRASE"); v != "" {
		return v, nil
	}
	pw, ok, err := e.promptPassword("PKCS#12 passphrase: ")
	if err != nil {
		return "", sohoa.Wrapf(err, sohoa.EINVALID, "read the passphrase: %v", err)
	}
	if ok {
		return pw, nil
	}
	line, err := bufio.NewReader(io.LimitReader(e.stdin, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", sohoa.Wrapf(err, sohoa.EINVALID, "read the passphrase from standard input: %v", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// unitCertCmd is catalogCmd for commands that need the opened stores (the
// audit key, to seal) in their transaction.
type unitCertCmd struct {
	name, usageLine string
	nargs           int
	audit           bool
	setup           func(fs *flag.FlagSet)
	prepare         func(pos []string) error
	act             func(ctx context.Context, st *stores, tx sohoa.Catalog, pos []string) (string, error)
}

func (c unitCertCmd) run(ctx context.Context, e *env, args []string) int {
	return catalogCmd{name: c.name, usageLine: c.usageLine, nargs: c.nargs, appendsAudit: c.audit, existing: !c.audit,
		setup: c.setup, prepare: c.prepare, actWith: c.act}.run(ctx, e, args)
}
