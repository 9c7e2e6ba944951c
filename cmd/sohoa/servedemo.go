package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/pipeline"
)

// serveDemoRefusal says why `serve --demo` cannot run with this
// configuration, or "" when it can: the demo lives only in the embedded
// default, never in a PostgreSQL catalog or an S3 bucket that may hold
// real data.
func serveDemoRefusal(cfg *storeConfig, noWorkers bool, trustDir string) string {
	switch {
	case cfg.DatabaseURL != "":
		return "--demo runs only on the embedded default (SQLite and blobs in the data directory), never in a PostgreSQL catalog: unset SOHOA_DATABASE_URL / drop --database-url, or run serve without --demo"
	case cfg.S3Endpoint != "":
		return "--demo runs only on the embedded default (SQLite and blobs in the data directory), never in an S3 bucket: unset SOHOA_S3_ENDPOINT / drop --s3-endpoint, or run serve without --demo"
	case noWorkers:
		return "--demo inspects and verifies the samples with the workers in this process: drop --no-workers"
	case trustDir != "":
		return "--demo trusts the sample PKI's root it installs in <data dir>/trust: drop --trust-dir"
	}
	return ""
}

// serveDemo is the demo part of `serve --demo`, run once the workers are
// started and before the URL is printed: it loads the demo into the data
// directory exactly as `sohoa demo` does (demoLoad; a directory loaded
// before gets nothing twice), then gives every demo user a new generated
// password and prints a summary, the URL to open and the users with their
// passwords. The passwords are reset on every `serve --demo` start, so
// the table printed is always the one that signs in (a plain `serve` over
// the same directory keeps them).
func serveDemo(ctx context.Context, e *env, cfg *storeConfig, cat sohoa.Catalog, p *pipeline.Pipeline, state demoState, resumed bool, url string) error {
	w := e.stdout
	if resumed {
		fmt.Fprintf(w, "sohoa serve --demo: %s already holds the demo (loaded %s); nothing is added twice\n", cfg.DataDir, localTime(state.FilledAt))
	} else {
		fmt.Fprintf(w, "sohoa serve --demo: loading the demo into %s (embedded default: %s, blobs in %s)…\n", cfg.DataDir, cfg.describeCatalog(), cfg.blobDir())
	}
	res, err := demoLoad(ctx, cfg, cat, p, state)
	if err != nil {
		return err
	}
	if res.problems > 0 {
		return fmt.Errorf("demo: %d file(s) were not processed", res.problems)
	}
	passwords, err := demoSetPasswords(ctx, cat)
	if err != nil {
		return fmt.Errorf("demo: set the users' passwords: %w", err)
	}
	demoPrintHistory(w, res)
	fmt.Fprintf(w, "Demo: %d dossiers of unit %s, procedure %s, received today (%d sample files in all, %d new; %d of %d dossiers digitized):\n",
		len(res.codes), demoShop, demoProcedure.Code, len(res.ids), res.added, res.digitized, len(res.codes))
	for i, ds := range res.statuses {
		mark := "not digitized"
		if ds.Digitized {
			mark = "digitized"
		}
		shows := demoDossiers[i].shows // "…: digitized", the expected result
		if j := strings.LastIndex(shows, ": "); j > 0 {
			shows = shows[:j]
		}
		fmt.Fprintf(w, "  %s  %-13s  %s\n", res.codes[i], mark, shows)
	}
	fmt.Fprintf(w, "\nOpen %s and sign in (%sdang-nhap) as one of these demo users (DEMO DATA ONLY; new passwords on every serve --demo):\n", url, url)
	printDemoUsers(w, passwords)
	fmt.Fprintf(w, "The JSON API: POST %sapi/v1/session with {\"username\":…,\"password\":…}, then GET %sapi/v1/dossiers\n", url, url)
	fmt.Fprintf(w, "The progress dashboard (tiến độ số hóa: the figures, the two closed quarters and the signed report): %s\n\n", demoProgressURL(url))
	return nil
}

// demoSetPasswords gives every demo user a new generated password, in one
// transaction with an audit entry each (which also ends their sessions,
// as `sohoa user passwd` does), and returns them by username.
func demoSetPasswords(ctx context.Context, cat sohoa.Catalog) (map[string]string, error) {
	passwords := make(map[string]string, len(demoUsers))
	err := cat.WithTx(ctx, func(tx sohoa.Catalog) error {
		for _, u := range demoUsers {
			pw := sohoa.GeneratePassword()
			if err := tx.SetPassword(ctx, u.Username, pw); err != nil {
				return err
			}
			if err := tx.AppendAudit(ctx, &sohoa.AuditEntry{Actor: demoActor, Action: "user.password", Object: "user:" + u.Username,
				Details: auditDetails(map[string]any{"demo": true})}); err != nil {
				return err
			}
			passwords[u.Username] = pw
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return passwords, nil
}

// printDemoUsers prints the demo users' table with their passwords.
func printDemoUsers(w io.Writer, passwords map[string]string) {
	fmt.Fprintf(w, "  %-13s %-20s %-8s %-14s %s\n", "username", "password", "role", "unit scope", "name")
	for _, u := range demoUsers {
		fmt.Fprintf(w, "  %-13s %-20s %-8s %-14s %s\n", u.Username, passwords[u.Username], u.Roles[0], demoScope(u), u.DisplayName)
	}
}
