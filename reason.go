package sohoa

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// ReasonCode is a stable, machine-readable code for a finding, a missing
// requirement or a verification reason ("component.no_file",
// "change.page_modified"). Codes are dotted lower-case words; once
// released a code keeps its meaning, and its parameters keep their names.
// Text for people comes from the message catalogue (Text), never from the
// code itself.
type ReasonCode string

// Reason is a code with the parameters its message needs. Params values
// are plain text (names, numbers written out); they are stored and sent
// as JSON, so the UI and reports can render them in any language.
type Reason struct {
	Code   ReasonCode        `json:"code"`
	Params map[string]string `json:"params,omitempty"`
}

// NewReason builds a Reason from a code and name/value pairs:
// NewReason(c, "file", "scan.pdf", "pages", "3"). A name without a value
// is ignored.
func NewReason(code ReasonCode, kv ...string) Reason {
	r := Reason{Code: code}
	for i := 0; i+1 < len(kv); i += 2 {
		if r.Params == nil {
			r.Params = map[string]string{}
		}
		r.Params[kv[i]] = kv[i+1]
	}
	return r
}

// Lang is a language the message catalogue speaks.
type Lang string

const (
	LangVI Lang = "vi" // the default
	LangEN Lang = "en"
)

// ParseLang maps an Accept-Language-like value ("en", "en-US", "vi-VN")
// to a catalogue language; anything not English is Vietnamese.
func ParseLang(s string) Lang {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "en" || strings.HasPrefix(s, "en-") || strings.HasPrefix(s, "en_") {
		return LangEN
	}
	return LangVI
}

// Translation is one catalogue entry: the text in each language, with
// parameters written {name}. A parameter missing from a Reason is left as
// written ({name}) so the gap is visible rather than silent.
type Translation struct {
	VI string
	EN string
}

var (
	messagesMu sync.RWMutex
	messages   = map[ReasonCode]Translation{}
)

// RegisterMessages adds entries to the message catalogue. Each package
// that produces codes registers its own (in an init function), so the
// text sits next to the code that emits it. Registering a code twice with
// different text panics: two meanings for one code is a programming error.
func RegisterMessages(m map[ReasonCode]Translation) {
	messagesMu.Lock()
	defer messagesMu.Unlock()
	for code, msg := range m {
		if old, ok := messages[code]; ok && old != msg {
			panic(fmt.Sprintf("sohoa: reason code %q registered twice with different text", code))
		}
		messages[code] = msg
	}
}

// LookupMessage returns the catalogue entry for code.
func LookupMessage(code ReasonCode) (Translation, bool) {
	messagesMu.RLock()
	defer messagesMu.RUnlock()
	m, ok := messages[code]
	return m, ok
}

// ReasonCodes lists every registered code, sorted (for catalogue tests).
func ReasonCodes() []ReasonCode {
	messagesMu.RLock()
	defer messagesMu.RUnlock()
	out := make([]ReasonCode, 0, len(messages))
	for c := range messages {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Text renders r in lang from the catalogue. An unknown code renders as
// the code followed by its parameters, so nothing is ever shown blank.
func (r Reason) Text(lang Lang) string {
	m, ok := LookupMessage(r.Code)
	if !ok {
		return r.fallback()
	}
	tmpl := m.VI
	if lang == LangEN || tmpl == "" {
		tmpl = m.EN
	}
	return expand(tmpl, r.Params)
}

func (r Reason) fallback() string {
	if len(r.Params) == 0 {
		return string(r.Code)
	}
	keys := make([]string, 0, len(r.Params))
	for k := range r.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + r.Params[k]
	}
	return string(r.Code) + " (" + strings.Join(parts, ", ") + ")"
}

// expand replaces {name} in tmpl with params[name].
func expand(tmpl string, params map[string]string) string {
	if !strings.Contains(tmpl, "{") {
		return tmpl
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		name := tmpl[i+1 : i+j]
		b.WriteString(tmpl[:i])
		if v, ok := params[name]; ok {
			b.WriteString(v)
		} else {
			b.WriteString(tmpl[i : i+j+1])
		}
		tmpl = tmpl[i+j+1:]
	}
}

// PlaceholderNames returns the {name} parameters a template uses, for
// catalogue tests that check both languages use the same parameters.
func PlaceholderNames(tmpl string) []string {
	var out []string
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			break
		}
		out = append(out, tmpl[i+1:i+j])
		tmpl = tmpl[i+j+1:]
	}
	sort.Strings(out)
	return out
}
