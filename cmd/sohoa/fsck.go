package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/sohoa/sohoa"
)

func init() {
	register("fsck", "check that every catalog row has its blob and every blob its bytes: sohoa fsck [--gc] [--verify-hashes]", runFsck)
}

// fsckResult is what sohoa fsck found; --json prints it.
type fsckResult struct {
	CatalogKeys int      `json:"catalog_keys"`
	Blobs       int      `json:"blobs"`
	Missing     []string `json:"missing"`  // in the catalog, not in the blob store
	Corrupt     []string `json:"corrupt"`  // bytes no longer match the key
	Orphans     []string `json:"orphans"`  // in the blob store, in no catalog row
	Removed     []string `json:"removed"`  // orphans deleted by --gc
	Verified    int      `json:"verified"` // blobs re-hashed with --verify-hashes
	OK          bool     `json:"ok"`
}

// runFsck compares the catalog with the blob store. Exit 0 when every
// catalog row has an intact blob (orphans are harmless and only listed), 1
// when a blob is missing or corrupt.
func runFsck(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "fsck", "[--gc] [--gc-min-age DURATION] [--verify-hashes] [--json]")
	gc := fs.Bool("gc", false, "delete orphan blobs (referenced by no catalog row)")
	minAge := fs.Duration("gc-min-age", time.Hour, "with --gc, delete only orphans older than this (a blob is written before its row, so a young orphan may be an ingestion in progress)")
	verifyHashes := fs.Bool("verify-hashes", false, "re-hash every blob and compare it with its key (reads all bytes)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	cfg := addStoreFlags(fs, e)
	if code, ok := parseNoArgs(fs, args); !ok {
		return code
	}
	s, code, ok := cfg.start(ctx, e, "fsck", true)
	if !ok {
		return code
	}
	defer s.Close()
	res, err := fsck(ctx, s.Catalog, s.Blobs, *verifyHashes, *gc, *minAge, time.Now())
	if err != nil {
		fmt.Fprintln(e.stderr, "sohoa fsck:", err)
		return exitCode(err)
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(res)
	} else {
		fmt.Fprintf(e.stdout, "catalog: %d blob keys; blob store: %d blobs", res.CatalogKeys, res.Blobs)
		if *verifyHashes {
			fmt.Fprintf(e.stdout, "; %d re-hashed", res.Verified)
		}
		fmt.Fprintln(e.stdout)
		for _, k := range res.Missing {
			fmt.Fprintf(e.stdout, "MISSING  %s (a catalog row points to it; the blob store does not have it)\n", k)
		}
		for _, k := range res.Corrupt {
			fmt.Fprintf(e.stdout, "CORRUPT  %s (its bytes no longer hash to the key)\n", k)
		}
		removed := map[string]bool{}
		for _, k := range res.Removed {
			removed[k] = true
		}
		for _, k := range res.Orphans {
			if removed[k] {
				fmt.Fprintf(e.stdout, "REMOVED  %s (orphan)\n", k)
			} else {
				fmt.Fprintf(e.stdout, "ORPHAN   %s (no catalog row; harmless, --gc removes it)\n", k)
			}
		}
		if res.OK {
			fmt.Fprintln(e.stdout, "ok")
		}
	}
	if !res.OK {
		return exitFailure
	}
	return exitOK
}

// fsck walks the catalog's blob keys, then the blob store. Memory is one
// 32-byte entry per catalog key.
func fsck(ctx context.Context, cat sohoa.Catalog, blobs sohoa.BlobStore, verifyHashes, gc bool, minAge time.Duration, now time.Time) (*fsckResult, error) {
	res := &fsckResult{Missing: []string{}, Corrupt: []string{}, Orphans: []string{}, Removed: []string{}}
	known := map[[32]byte]bool{}
	err := cat.ForEachBlobKey(ctx, func(key string, size int64) error {
		var k [32]byte
		if _, err := hex.Decode(k[:], []byte(key)); err != nil {
			return fmt.Errorf("catalog holds an invalid blob key %q: %w", key, err)
		}
		known[k] = true
		res.CatalogKeys++
		info, err := blobs.Stat(ctx, key)
		switch {
		case sohoa.Code(err) == sohoa.ENOTFOUND:
			res.Missing = append(res.Missing, key)
		case err != nil:
			return fmt.Errorf("stat blob %s: %w", key, err)
		case info.Size != size:
			res.Corrupt = append(res.Corrupt, key)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("walk catalog: %w", err)
	}
	var orphans []sohoa.BlobInfo
	err = blobs.List(ctx, func(b sohoa.BlobInfo) error {
		res.Blobs++
		var k [32]byte
		if _, err := hex.Decode(k[:], []byte(b.Key)); err != nil || !known[k] {
			res.Orphans = append(res.Orphans, b.Key)
			orphans = append(orphans, b)
		}
		if verifyHashes {
			res.Verified++
			if err := blobs.Verify(ctx, b.Key); errors.Is(err, sohoa.ErrCorrupt) {
				res.Corrupt = append(res.Corrupt, b.Key)
			} else if err != nil {
				return fmt.Errorf("verify blob %s: %w", b.Key, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("walk blob store: %w", err)
	}
	if gc {
		for _, b := range orphans {
			if !b.ModTime.IsZero() && now.Sub(b.ModTime) < minAge {
				continue
			}
			if err := blobs.Delete(ctx, b.Key); err != nil {
				return nil, fmt.Errorf("remove orphan %s: %w", b.Key, err)
			}
			res.Removed = append(res.Removed, b.Key)
		}
	}
	res.OK = len(res.Missing) == 0 && len(res.Corrupt) == 0
	return res, nil
}
