package report

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/pdfcpu/pdfcpu/pkg/font"
)

// The quarterly report's faces: Liberation Serif 2.1 Regular, Bold and
// Bold Italic (SIL OFL 1.1, fonts/LICENSE-LiberationSerif.txt), beside
// the Italic the certified-copy stamp embeds: Times New Roman's metrics,
// which Decree 30/2020 asks administrative documents to be set in, and
// every Vietnamese glyph.
var (
	//go:embed fonts/LiberationSerif-Regular.ttf
	serifRegularTTF []byte
	//go:embed fonts/LiberationSerif-Bold.ttf
	serifBoldTTF []byte
	//go:embed fonts/LiberationSerif-BoldItalic.ttf
	serifBoldItalicTTF []byte
)

// Fonts by their PostScript names, pdfcpu's keys.
const (
	fontRegular    = "LiberationSerif"
	fontBold       = "LiberationSerif-Bold"
	fontItalic     = stampFontName
	fontBoldItalic = "LiberationSerif-BoldItalic"
)

var (
	reportFontsOnce sync.Once
	reportFontsErr  error
)

// setupReportFonts makes pdfcpu find the report's fonts: the stamp's setup
// first (it picks pdfcpu's process-wide font directory), then the other
// faces installed into the same directory, each through a file renamed
// into place so that a concurrent process never reads half a font, and
// pdfcpu's font table reloaded (under its own lock; the stamp font stays).
func setupReportFonts() error {
	reportFontsOnce.Do(func() {
		if err := setupFonts(); err != nil {
			reportFontsErr = err
			return
		}
		dir := font.UserFontDir
		added := false
		for _, f := range []struct {
			name string
			ttf  []byte
		}{{fontRegular, serifRegularTTF}, {fontBold, serifBoldTTF}, {fontBoldItalic, serifBoldItalicTTF}} {
			if ok, err := font.IsUserFont(f.name); err == nil && ok {
				continue
			}
			if err := installFontInto(dir, f.name, f.ttf); err != nil {
				reportFontsErr = fmt.Errorf("quarterly report: install the font %s: %w", f.name, err)
				return
			}
			added = true
		}
		if added {
			if err := font.ReloadUserFonts(); err != nil {
				reportFontsErr = fmt.Errorf("quarterly report: load the fonts: %w", err)
				return
			}
		}
		for _, name := range []string{fontRegular, fontBold, fontItalic, fontBoldItalic} {
			if ok, err := font.IsUserFont(name); err != nil || !ok {
				reportFontsErr = fmt.Errorf("quarterly report: the font %s is not installed in %s (%v)", name, dir, err)
				return
			}
		}
	})
	return reportFontsErr
}

// installFontInto installs ttf as name into dir through a temporary
// directory beside it.
func installFontInto(dir, name string, ttf []byte) error {
	gob := name + ".gob"
	if _, err := os.Stat(filepath.Join(dir, gob)); err == nil {
		return nil
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), filepath.Base(dir)+".font-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := font.InstallFontFromBytesQuiet(tmp, name, ttf); err != nil {
		return err
	}
	return os.Rename(filepath.Join(tmp, gob), filepath.Join(dir, gob))
}
