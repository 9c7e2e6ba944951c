package inspect

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/sohoa/sohoa/internal/pdfraw"
)

// imageInfo is what the rules need of an image: its pixel size and colour
// depth.
type imageInfo struct {
	width, height int
	bits          int  // bits per pixel, 0 when unknown
	color         bool // more than one colour channel (or a palette of colours)
	desc          string
}

// better reports whether i shows more colour than j (colour first, then
// bits): a page's colour is that of its richest scan image.
func (i *imageInfo) better(j *imageInfo) bool {
	if i.color != j.color {
		return i.color
	}
	return i.bits > j.bits
}

// colour space families.
const (
	csUnknown = iota
	csGray
	csRGB
	csCMYK
	csLab
	csIndexed
	csSeparation
	csDeviceN
)

type colorSpace struct {
	family    int
	n         int  // components
	baseColor bool // for Indexed: whether the palette is in colour
}

// jpxHeadBytes is how much of a JPEG 2000 image is read for its header.
const jpxHeadBytes = 64 << 10

// imageFromDict reads an image dictionary (an XObject's, or an inline
// image's with its keys expanded). head returns the first bytes of the
// image's data, read only for a JPEG 2000 image without a /ColorSpace.
// res resolves named colour spaces, which only inline images may use.
func (a *analyzer) imageFromDict(d pdfraw.Dict, filters []string, head func() []byte, res pdfraw.Dict) *imageInfo {
	img := &imageInfo{}
	img.width, _ = a.integer(d["Width"])
	img.height, _ = a.integer(d["Height"])
	bitonal := false
	if b, ok := a.resolve(d["ImageMask"]).(pdfraw.Bool); ok && bool(b) {
		bitonal = true
	}
	if slices.Contains(filters, "JBIG2Decode") || slices.Contains(filters, "CCITTFaxDecode") {
		bitonal = true
	}
	if bitonal {
		img.bits, img.desc = 1, "1-bit black-and-white"
		return img
	}
	bpc, ok := a.integer(d["BitsPerComponent"])
	if !ok || bpc < 1 || bpc > 16 {
		bpc = 8
	}
	csObj, hasCS := get(d, "ColorSpace")
	if !hasCS && slices.Contains(filters, "JPXDecode") {
		nc, jbits, ok := jpxComponents(head())
		if !ok {
			img.desc = "colour depth unknown (JPEG 2000)"
			return img
		}
		switch {
		case nc == 1:
			img.bits = jbits
			img.desc = greyDesc(jbits)
		case nc >= 3:
			img.bits, img.color = nc*jbits, true
			img.desc = fmt.Sprintf("%d-bit colour", img.bits)
		default:
			img.bits = nc * jbits
			img.desc = fmt.Sprintf("%d-bit, %d channels", img.bits, nc)
		}
		return img
	}
	cs := a.colorSpace(csObj, res, 0)
	switch cs.family {
	case csGray:
		img.bits, img.desc = bpc, greyDesc(bpc)
	case csRGB, csLab:
		img.bits, img.color = 3*bpc, true
		img.desc = fmt.Sprintf("%d-bit colour", img.bits)
	case csCMYK:
		img.bits, img.color = 4*bpc, true
		img.desc = fmt.Sprintf("%d-bit CMYK colour", img.bits)
	case csIndexed:
		img.bits, img.color = bpc, cs.baseColor
		if cs.baseColor {
			img.desc = fmt.Sprintf("%d-bit indexed colour (a palette of %d colours)", bpc, 1<<min(bpc, 8))
		} else {
			img.desc = fmt.Sprintf("%d-bit greyscale (palette)", bpc)
		}
	case csSeparation:
		img.bits, img.desc = bpc, fmt.Sprintf("%d-bit single ink", bpc)
	case csDeviceN:
		img.bits, img.color = cs.n*bpc, cs.n >= 3
		img.desc = fmt.Sprintf("%d-bit, %d inks", img.bits, cs.n)
	default:
		img.desc = "colour depth unknown"
	}
	return img
}

func greyDesc(bits int) string {
	if bits == 1 {
		return "1-bit black-and-white"
	}
	return fmt.Sprintf("%d-bit greyscale", bits)
}

func (a *analyzer) colorSpace(o pdfraw.Object, res pdfraw.Dict, depth int) colorSpace {
	if depth > 8 {
		return colorSpace{}
	}
	switch v := a.resolve(o).(type) {
	case pdfraw.Name:
		switch string(v) {
		case "DeviceGray", "G", "CalGray":
			return colorSpace{family: csGray, n: 1}
		case "DeviceRGB", "RGB", "CalRGB":
			return colorSpace{family: csRGB, n: 3}
		case "DeviceCMYK", "CMYK":
			return colorSpace{family: csCMYK, n: 4}
		case "Lab":
			return colorSpace{family: csLab, n: 3}
		}
		if res != nil {
			if named := a.dict(res["ColorSpace"]); named != nil {
				if cs, ok := named[v]; ok {
					return a.colorSpace(cs, nil, depth+1)
				}
			}
		}
	case pdfraw.Array:
		if len(v) == 0 {
			return colorSpace{}
		}
		switch a.name(v[0]) {
		case "ICCBased":
			if len(v) < 2 {
				return colorSpace{}
			}
			sd := a.dict(v[1])
			if sd == nil {
				return colorSpace{}
			}
			n, _ := a.integer(sd["N"])
			switch n {
			case 1:
				return colorSpace{family: csGray, n: 1}
			case 3:
				return colorSpace{family: csRGB, n: 3}
			case 4:
				return colorSpace{family: csCMYK, n: 4}
			}
			return a.colorSpace(sd["Alternate"], nil, depth+1)
		case "Indexed", "I":
			if len(v) < 2 {
				return colorSpace{}
			}
			base := a.colorSpace(v[1], res, depth+1)
			return colorSpace{family: csIndexed, n: 1, baseColor: base.family != csGray && base.family != csUnknown && base.family != csSeparation}
		case "Separation":
			return colorSpace{family: csSeparation, n: 1}
		case "DeviceN":
			if len(v) < 2 {
				return colorSpace{}
			}
			names, _ := a.resolve(v[1]).(pdfraw.Array)
			return colorSpace{family: csDeviceN, n: max(len(names), 1)}
		case "CalGray", "DeviceGray", "G":
			return colorSpace{family: csGray, n: 1}
		case "CalRGB", "DeviceRGB", "RGB":
			return colorSpace{family: csRGB, n: 3}
		case "Lab":
			return colorSpace{family: csLab, n: 3}
		case "DeviceCMYK", "CMYK":
			return colorSpace{family: csCMYK, n: 4}
		}
	}
	return colorSpace{}
}

// jpxComponents reads the component count and bit depth of a JPEG 2000
// image from its JP2 image header box or its codestream's SIZ marker: a
// JPXDecode image may leave its colour space to the codestream.
func jpxComponents(raw []byte) (nc, bits int, ok bool) {
	head := raw[:min(len(raw), 64<<10)]
	if i := bytes.Index(head, []byte("ihdr")); i >= 0 && len(head) >= i+4+11 {
		b := head[i+4:]
		nc = int(binary.BigEndian.Uint16(b[8:10]))
		bpc := b[10]
		if bpc != 0xFF && nc > 0 {
			return nc, int(bpc&0x7F) + 1, true
		}
	}
	if i := bytes.Index(head, []byte{0xFF, 0x4F, 0xFF, 0x51}); i >= 0 {
		b := head[i+4:]
		// Lsiz Rsiz Xsiz Ysiz XOsiz YOsiz XTsiz YTsiz XTOsiz YTOsiz Csiz Ssiz...
		if len(b) >= 2+2+32+2+1 {
			nc = int(binary.BigEndian.Uint16(b[36:38]))
			if nc > 0 {
				return nc, int(b[38]&0x7F) + 1, true
			}
		}
	}
	return 0, 0, false
}
