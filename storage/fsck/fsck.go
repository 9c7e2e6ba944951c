// Package fsck checks that the catalog and the blob store agree, and
// collects orphan blobs without racing ingestion. `sohoa fsck` is its
// command-line front end (flags and output only).
//
// Every blob key a catalog row refers to must have its blob, with the
// recorded size and, with Options.VerifyHashes, bytes that still hash to
// the key. A missing or damaged blob is reported with the documents and
// dossiers that refer to it and how to repair it: importing the original
// file again stores its bytes over the damaged blob (blob stores replace a
// damaged copy when the same bytes are put again).
//
// A blob no row refers to is an orphan: harmless (a blob is written before
// the row that refers to it, so an ingestion in progress or one that
// failed leaves one) and removed with Options.GC. Removing it races with
// an import of the same bytes, which finds the blob already stored and
// records a row for it; the collector therefore takes the blob's gc lock in
// the catalog before deleting it, in the transaction that checks that no
// row refers to it, and ingestion claims the key in the transaction that
// records its row, then checks that the blob is still stored
// (sohoa.BlobGCService explains why that is enough).
package fsck

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/sohoa/sohoa"
)

// Catalog is what fsck needs of the catalog.
type Catalog interface {
	ForEachBlobKey(ctx context.Context, fn func(key string, size int64) error) error
	FindDocuments(ctx context.Context, f sohoa.DocumentFilter) ([]*sohoa.Document, error)
	sohoa.BlobGCService
}

// Options say what Run does besides comparing keys and sizes.
type Options struct {
	// VerifyHashes re-hashes every blob (reads all bytes).
	VerifyHashes bool
	// GC removes orphans whose blob was last written (or, on stores that
	// refresh it, last put again) more than MinAge ago.
	GC     bool
	MinAge time.Duration
	// Now is the clock; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger

	// beforeDelete, for tests, runs once an orphan is locked, before it
	// is deleted.
	beforeDelete func(key string)
}

// Result is what Run found and did.
type Result struct {
	CatalogKeys int      `json:"catalog_keys"`
	Blobs       int      `json:"blobs"`
	Missing     []string `json:"missing"` // in the catalog, not in the blob store
	Corrupt     []string `json:"corrupt"` // bytes (or size) no longer match the key
	// Damaged details every missing or corrupt blob that rows refer to:
	// who refers to it and what to do.
	Damaged  []Damage `json:"damaged"`
	Orphans  []string `json:"orphans"`  // in the blob store, in no catalog row
	Removed  []string `json:"removed"`  // orphans deleted by GC
	Kept     []Kept   `json:"kept"`     // orphans GC found but did not delete
	Verified int      `json:"verified"` // blobs re-hashed
	OK       bool     `json:"ok"`       // no blob is missing or corrupt
}

// Problems with a blob.
const (
	ProblemMissing = "missing" // the blob store does not have it
	ProblemSize    = "size"    // its size is not the one recorded
	ProblemHash    = "hash"    // its bytes no longer hash to its key
)

// Damage is a missing or corrupt blob and the documents that refer to it.
type Damage struct {
	Key     string `json:"sha256"`
	Problem string `json:"problem"`
	// Size is the size the catalog recorded.
	Size      int64         `json:"size"`
	Documents []DocumentRef `json:"documents"`
	Fix       string        `json:"fix"`
}

// DocumentRef names a document that refers to a damaged blob.
type DocumentRef struct {
	ID        int64              `json:"id"`
	Dossier   string             `json:"dossier"`
	FileName  string             `json:"file_name"`
	Role      sohoa.DocumentRole `json:"role"`
	Component string             `json:"component,omitempty"`
}

// Reasons GC keeps an orphan.
const (
	KeptReferenced = "referenced" // a row refers to it by the time GC locked it
	KeptLocked     = "locked"     // another collector holds its lock
	KeptRecent     = "recent"     // written (or put) again since it was listed
	KeptRetained   = "retained"   // the store refuses to delete it (object-lock retention)
	KeptSlow       = "slow"       // its lock got too old to delete safely
	KeptGone       = "gone"       // deleted meanwhile (by another collector)
)

// Kept is an orphan GC did not delete, and why.
type Kept struct {
	Key    string `json:"sha256"`
	Reason string `json:"reason"`
}

// FixReimport is the repair of a damaged blob, said once for all.
const FixReimport = "re-import the original file (the same bytes) of any document listed: " +
	"sohoa ingest --recheck of it replaces the damaged blob (into the same dossier it is reported as a duplicate); " +
	"if the file is lost, only a backup of the blob store can bring it back"

// Run walks the catalog's blob keys, then the blob store. Memory is one
// 32-byte entry per catalog key.
func Run(ctx context.Context, cat Catalog, blobs sohoa.BlobStore, opts Options) (*Result, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "fsck")
	res := &Result{Missing: []string{}, Corrupt: []string{}, Damaged: []Damage{}, Orphans: []string{}, Removed: []string{}, Kept: []Kept{}}
	known := map[[32]byte]int64{} // catalog key → recorded size
	var damaged []Damage
	err := cat.ForEachBlobKey(ctx, func(key string, size int64) error {
		var k [32]byte
		if _, err := hex.Decode(k[:], []byte(key)); err != nil {
			return fmt.Errorf("catalog holds an invalid blob key %q: %w", key, err)
		}
		known[k] = size
		res.CatalogKeys++
		info, err := blobs.Stat(ctx, key)
		switch {
		case sohoa.Code(err) == sohoa.ENOTFOUND:
			damaged = append(damaged, Damage{Key: key, Problem: ProblemMissing, Size: size})
		case err != nil:
			return fmt.Errorf("stat blob %s: %w", key, err)
		case info.Size != size:
			damaged = append(damaged, Damage{Key: key, Problem: ProblemSize, Size: size})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("walk catalog: %w", err)
	}
	corrupt := map[string]bool{}
	for _, d := range damaged {
		corrupt[d.Key] = d.Problem != ProblemMissing
	}
	var orphans []sohoa.BlobInfo
	err = blobs.List(ctx, func(b sohoa.BlobInfo) error {
		res.Blobs++
		var k [32]byte
		var size int64
		ok := false
		if _, err := hex.Decode(k[:], []byte(b.Key)); err == nil {
			size, ok = known[k]
		}
		if !ok {
			res.Orphans = append(res.Orphans, b.Key)
			orphans = append(orphans, b)
		}
		if opts.VerifyHashes {
			res.Verified++
			if err := blobs.Verify(ctx, b.Key); errors.Is(err, sohoa.ErrCorrupt) {
				if ok && !corrupt[b.Key] {
					damaged = append(damaged, Damage{Key: b.Key, Problem: ProblemHash, Size: size})
				}
				if !ok {
					res.Corrupt = append(res.Corrupt, b.Key) // a corrupt orphan: nobody to name
				}
				corrupt[b.Key] = true
			} else if err != nil && sohoa.Code(err) != sohoa.ENOTFOUND { // deleted since it was listed
				return fmt.Errorf("verify blob %s: %w", b.Key, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("walk blob store: %w", err)
	}
	for _, d := range damaged {
		if d.Problem == ProblemMissing {
			res.Missing = append(res.Missing, d.Key)
		} else {
			res.Corrupt = append(res.Corrupt, d.Key)
		}
		if d.Documents, err = referrers(ctx, cat, d.Key); err != nil {
			return nil, err
		}
		d.Fix = FixReimport
		res.Damaged = append(res.Damaged, d)
		log.Warn("damaged blob", "sha256", d.Key, "problem", d.Problem, "documents", len(d.Documents))
	}
	if opts.GC {
		for _, b := range orphans {
			if !b.ModTime.IsZero() && opts.Now().Sub(b.ModTime) < opts.MinAge {
				continue
			}
			removed, reason, err := collect(ctx, cat, blobs, b.Key, opts)
			if err != nil {
				return nil, err
			}
			if removed {
				res.Removed = append(res.Removed, b.Key)
				log.Info("removed orphan blob", "sha256", b.Key, "size", b.Size)
			} else {
				res.Kept = append(res.Kept, Kept{Key: b.Key, Reason: reason})
				log.Info("kept orphan blob", "sha256", b.Key, "reason", reason)
			}
		}
	}
	res.OK = len(res.Missing) == 0 && len(res.Corrupt) == 0
	return res, nil
}

// referrers lists the documents that refer to key.
func referrers(ctx context.Context, cat Catalog, key string) ([]DocumentRef, error) {
	refs := []DocumentRef{}
	var after int64
	for {
		docs, err := cat.FindDocuments(ctx, sohoa.DocumentFilter{Scope: sohoa.AllUnits, BlobKey: key, AfterID: after, Limit: sohoa.MaxPageSize})
		if err != nil {
			return nil, fmt.Errorf("documents of blob %s: %w", key, err)
		}
		for _, d := range docs {
			refs = append(refs, DocumentRef{ID: d.ID, Dossier: d.DossierCode, FileName: d.FileName, Role: d.Role, Component: d.ComponentName})
			after = d.ID
		}
		if len(docs) < sohoa.MaxPageSize {
			return refs, nil
		}
	}
}

// collect deletes one orphan under its gc lock (see the package comment).
// It reports whether the blob was deleted, or why not.
func collect(ctx context.Context, cat Catalog, blobs sohoa.BlobStore, key string, opts Options) (removed bool, reason string, err error) {
	lockedAt := opts.Now().UTC().Truncate(time.Microsecond)
	locked, err := cat.LockBlobForGC(ctx, key, lockedAt)
	if err != nil {
		return false, "", fmt.Errorf("lock orphan %s: %w", key, err)
	}
	if !locked {
		if _, other, err := cat.BlobGCLock(ctx, key); err == nil && other {
			return false, KeptLocked, nil
		}
		return false, KeptReferenced, nil
	}
	defer func() {
		// Even when ctx is done: a lock left behind blocks imports of
		// these bytes until it goes stale.
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if uerr := cat.UnlockBlobForGC(uctx, key, lockedAt); uerr != nil && err == nil {
			err = fmt.Errorf("unlock orphan %s: %w", key, uerr)
		}
	}()
	// The listing may be old by now: the blob may have been put again (a
	// store that can refreshes its age then) or deleted by another
	// collector.
	info, err := blobs.Stat(ctx, key)
	switch {
	case sohoa.Code(err) == sohoa.ENOTFOUND:
		return false, KeptGone, nil
	case err != nil:
		return false, "", fmt.Errorf("stat orphan %s: %w", key, err)
	case !info.ModTime.IsZero() && opts.Now().Sub(info.ModTime) < opts.MinAge:
		return false, KeptRecent, nil
	}
	if opts.beforeDelete != nil {
		opts.beforeDelete(key)
	}
	// The lock protects the blob only until it goes stale and an ingest
	// may break it: delete well before then, or not at all.
	deadline := lockedAt.Add(sohoa.BlobGCLockStale / 2)
	if !opts.Now().Before(deadline) {
		return false, KeptSlow, nil
	}
	dctx, cancel := context.WithTimeout(ctx, deadline.Sub(opts.Now()))
	defer cancel()
	if err := blobs.Delete(dctx, key); err != nil {
		switch sohoa.Code(err) {
		case sohoa.ENOTFOUND:
			return false, KeptGone, nil
		case sohoa.ECONFLICT:
			return false, KeptRetained, nil
		}
		return false, "", fmt.Errorf("remove orphan %s: %w", key, err)
	}
	return true, "", nil
}
