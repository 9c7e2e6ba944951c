package source

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// File is one regular file found by Walk or the watcher.
type File struct {
	// Path is the path as found: the argument, or the argument joined with
	// the names below it.
	Path string
	// Abs is the absolute, cleaned path; journal and manifest keys use it.
	Abs     string
	Size    int64
	ModTime time.Time
}

// PathError is a path argument that could not be used; the walk goes on
// with the others.
type PathError struct {
	Path string
	Err  error
}

func (e *PathError) Error() string { return fmt.Sprintf("%s: %v", e.Path, e.Err) }
func (e *PathError) Unwrap() error { return e.Err }

// Folders the hot folder files things into; a walk never descends into
// them, so importing a hot folder does not import its history twice.
const (
	ProcessedDir = "processed"
	FailedDir    = "failed"
)

// Skipped reports whether a name found inside a directory is not a file to
// ingest: hidden names, temporary names of programs still writing (".part",
// ".tmp", ".crdownload", "~" suffix, "~$" prefix), the hot folder's
// ".error.txt" reasons, and the thumbnails and settings Windows leaves
// behind.
func Skipped(name string) bool {
	lower := strings.ToLower(name)
	switch {
	case name == "" || strings.HasPrefix(name, "."), strings.HasPrefix(name, "~$"), strings.HasSuffix(name, "~"):
		return true
	case lower == "thumbs.db" || lower == "desktop.ini":
		return true
	}
	for _, suf := range []string{".part", ".partial", ".tmp", ".temp", ".crdownload", ".download", ".swp", ".error.txt"} {
		if strings.HasSuffix(lower, suf) {
			return true
		}
	}
	return false
}

// skippedDir reports whether the walk stays out of a directory.
func skippedDir(name string) bool {
	return strings.HasPrefix(name, ".") || name == ProcessedDir || name == FailedDir
}

// SkippedLink is a symbolic link a walk found inside a folder and did not
// follow.
type SkippedLink struct {
	// Path is the link as found (the argument joined with the names below
	// it); Target is what it points to, as written in the link.
	Path, Target string
	// Outside: the link leads out of the folder being walked. Broken: it
	// leads nowhere.
	Outside, Broken bool
}

// WalkResult is what Walk found.
type WalkResult struct {
	Files []File
	// Total is the sum of the files' sizes.
	Total int64
	// Problems are paths that could not be read; the walk went on.
	Problems []*PathError
	// Links are the symbolic links inside the walked folders, none of
	// which was followed.
	Links []SkippedLink
}

// Walk expands paths into the regular files to ingest: a file argument is
// taken as it is (whatever its name), a directory is walked recursively in
// lexical order, skipping what Skipped and the processed/ and failed/
// folders name, and anything that is not a regular file. Symbolic links
// inside directories are never followed (a link could lead anywhere, even
// to /etc, and what is stored stays stored for good under retention); they
// are listed in Links, so the caller can say what it left out. Each file
// appears once even when named twice. skip, if not nil, drops more files by
// absolute path (the manifest itself).
func Walk(ctx context.Context, paths []string, skip func(abs string) bool) (res WalkResult) {
	seen := map[string]bool{}
	var files []File
	var problems []*PathError
	var total int64
	defer func() { res.Files, res.Total, res.Problems = files, total, problems }()
	add := func(path string, info fs.FileInfo) {
		abs, err := filepath.Abs(path)
		if err != nil {
			problems = append(problems, &PathError{Path: path, Err: err})
			return
		}
		abs = filepath.Clean(abs)
		if seen[abs] || (skip != nil && skip(abs)) {
			return
		}
		seen[abs] = true
		files = append(files, File{Path: path, Abs: abs, Size: info.Size(), ModTime: info.ModTime()})
		total += info.Size()
	}
	for _, root := range paths {
		if ctx.Err() != nil {
			break
		}
		info, err := os.Stat(root)
		if err != nil {
			problems = append(problems, &PathError{Path: root, Err: unwrapPathErr(err)})
			continue
		}
		if info.Mode().IsRegular() {
			add(root, info)
			continue
		}
		if !info.IsDir() {
			problems = append(problems, &PathError{Path: root, Err: fmt.Errorf("not a regular file or directory")})
			continue
		}
		// WalkDir does not follow a symbolic link even at the root.
		walkRoot := root
		if resolved, err := filepath.EvalSymlinks(root); err == nil {
			walkRoot = resolved
		}
		err = filepath.WalkDir(walkRoot, func(p string, d fs.DirEntry, err error) error {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			shown := root
			if rel, rerr := filepath.Rel(walkRoot, p); rerr == nil && rel != "." {
				shown = filepath.Join(root, rel)
			}
			if err != nil {
				problems = append(problems, &PathError{Path: shown, Err: unwrapPathErr(err)})
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				if p != walkRoot && skippedDir(d.Name()) {
					return fs.SkipDir
				}
				return nil
			}
			if d.Type()&fs.ModeSymlink != 0 && !Skipped(d.Name()) {
				res.Links = append(res.Links, skippedLink(walkRoot, p, shown))
				return nil
			}
			if !d.Type().IsRegular() || Skipped(d.Name()) {
				return nil
			}
			info, err := d.Info()
			if err != nil {
				if !os.IsNotExist(err) { // removed while walking: not ours to report
					problems = append(problems, &PathError{Path: shown, Err: unwrapPathErr(err)})
				}
				return nil
			}
			add(shown, info)
			return nil
		})
		if err != nil && ctx.Err() == nil {
			problems = append(problems, &PathError{Path: root, Err: err})
		}
	}
	return res
}

// skippedLink describes the link at p (shown as shown) found below root.
func skippedLink(root, p, shown string) SkippedLink {
	l := SkippedLink{Path: shown}
	l.Target, _ = os.Readlink(p)
	if _, err := Inside(root, p); err != nil {
		l.Outside = IsOutside(err)
		l.Broken = !l.Outside
	}
	return l
}

// unwrapPathErr drops *fs.PathError's repetition of the path.
func unwrapPathErr(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

// StatFile returns the File for one path.
func StatFile(path string) (File, error) {
	info, err := os.Stat(path)
	if err != nil {
		return File{}, err
	}
	if !info.Mode().IsRegular() {
		return File{}, fmt.Errorf("%s: not a regular file", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return File{}, err
	}
	return File{Path: path, Abs: filepath.Clean(abs), Size: info.Size(), ModTime: info.ModTime()}, nil
}
