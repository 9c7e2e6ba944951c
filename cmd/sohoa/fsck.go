package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/sohoa/sohoa/storage/fsck"
)

func init() {
	register("fsck", "check that every catalog row has its blob and every blob its bytes: sohoa fsck [--gc] [--verify-hashes]", runFsck)
}

// runFsck compares the catalog with the blob store. Exit 0 when every
// catalog row has an intact blob (orphans are harmless and only listed), 1
// when a blob is missing or corrupt.
func runFsck(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "fsck", "[--gc] [--gc-min-age DURATION] [--verify-hashes] [--json]")
	gc := fs.Bool("gc", false, "delete orphan blobs (referenced by no catalog row)")
	minAge := fs.Duration("gc-min-age", time.Hour, "with --gc, delete only orphans last written longer ago than this (a second guard: the catalog's gc locks keep imports running meanwhile safe)")
	verifyHashes := fs.Bool("verify-hashes", false, "re-hash every blob and compare it with its key (reads all bytes)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	cfg := addStoreFlags(fs, e)
	if code, ok := parseNoArgs(fs, args); !ok {
		return code
	}
	// A check never creates what it checks: a wrong data directory,
	// database or bucket is an error naming it.
	s, code, ok := cfg.startWith(ctx, e, "fsck", openOptions{Blobs: true, Existing: true})
	if !ok {
		return code
	}
	defer s.Close()
	res, err := fsck.Run(ctx, s.Catalog, s.Blobs, fsck.Options{
		VerifyHashes: *verifyHashes, GC: *gc, MinAge: *minAge, Logger: e.log,
	})
	if err != nil {
		fmt.Fprintln(e.stderr, "sohoa fsck:", err)
		return exitCode(err)
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(res)
	} else {
		printFsck(e.stdout, res, *verifyHashes)
	}
	if !res.OK {
		return exitFailure
	}
	return exitOK
}

// printFsck prints what fsck found, a line per blob, with the documents
// that refer to a damaged blob and how to repair it.
func printFsck(w io.Writer, res *fsck.Result, verifyHashes bool) {
	fmt.Fprintf(w, "catalog: %d blob keys; blob store: %d blobs", res.CatalogKeys, res.Blobs)
	if verifyHashes {
		fmt.Fprintf(w, "; %d re-hashed", res.Verified)
	}
	fmt.Fprintln(w)
	damaged := map[string]bool{}
	for _, d := range res.Damaged {
		damaged[d.Key] = true
		switch d.Problem {
		case fsck.ProblemMissing:
			fmt.Fprintf(w, "MISSING  %s (catalog rows point to it; the blob store does not have it)\n", d.Key)
		case fsck.ProblemSize:
			fmt.Fprintf(w, "CORRUPT  %s (its size is not the %d bytes recorded)\n", d.Key, d.Size)
		default:
			fmt.Fprintf(w, "CORRUPT  %s (its bytes no longer hash to the key)\n", d.Key)
		}
		for _, doc := range d.Documents {
			what := string(doc.Role)
			if doc.Component != "" {
				what += fmt.Sprintf(" %q", doc.Component)
			}
			fmt.Fprintf(w, "         document %d %q (%s) of dossier %s\n", doc.ID, doc.FileName, what, doc.Dossier)
		}
		fmt.Fprintf(w, "         fix: %s\n", d.Fix)
	}
	for _, k := range res.Corrupt {
		if !damaged[k] {
			fmt.Fprintf(w, "CORRUPT  %s (orphan: its bytes no longer hash to the key; no row refers to it)\n", k)
		}
	}
	removed := map[string]bool{}
	for _, k := range res.Removed {
		removed[k] = true
	}
	kept := map[string]string{}
	for _, k := range res.Kept {
		kept[k.Key] = k.Reason
	}
	for _, k := range res.Orphans {
		switch {
		case removed[k]:
			fmt.Fprintf(w, "REMOVED  %s (orphan)\n", k)
		case kept[k] != "":
			fmt.Fprintf(w, "KEPT     %s (orphan, not removed: %s)\n", k, keptReason(kept[k]))
		default:
			fmt.Fprintf(w, "ORPHAN   %s (no catalog row; harmless, --gc removes it)\n", k)
		}
	}
	if res.OK {
		fmt.Fprintln(w, "ok")
	}
}

func keptReason(r string) string {
	switch r {
	case fsck.KeptReferenced:
		return "an import recorded a document for it meanwhile"
	case fsck.KeptLocked:
		return "another fsck --gc is removing it"
	case fsck.KeptRecent:
		return "stored again since it was listed"
	case fsck.KeptRetained:
		return "under object-lock retention"
	case fsck.KeptSlow:
		return "its gc lock got too old to delete safely; run again"
	case fsck.KeptGone:
		return "already removed by another fsck --gc"
	}
	return r
}
