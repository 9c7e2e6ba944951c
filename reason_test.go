package sohoa

import (
	"reflect"
	"strings"
	"testing"
)

func TestReasonText(t *testing.T) {
	RegisterMessages(map[ReasonCode]Translation{
		"test.greeting": {VI: "Tệp {file} có {pages} trang", EN: "File {file} has {pages} pages"},
	})
	r := NewReason("test.greeting", "file", "a.pdf", "pages", "3")
	if got := r.Text(LangVI); got != "Tệp a.pdf có 3 trang" {
		t.Errorf("vi: %q", got)
	}
	if got := r.Text(LangEN); got != "File a.pdf has 3 pages" {
		t.Errorf("en: %q", got)
	}
	if got := NewReason("test.greeting", "file", "a.pdf").Text(LangEN); got != "File a.pdf has {pages} pages" {
		t.Errorf("missing param: %q", got)
	}
	if got := NewReason("test.unknown", "b", "2", "a", "1").Text(LangVI); got != "test.unknown (a=1, b=2)" {
		t.Errorf("unknown code: %q", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("registering a code twice with other text did not panic")
		}
	}()
	RegisterMessages(map[ReasonCode]Translation{"test.greeting": {VI: "khác", EN: "other"}})
}

func TestParseLang(t *testing.T) {
	for in, want := range map[string]Lang{"": LangVI, "vi": LangVI, "vi-VN": LangVI, "en": LangEN, "EN-us": LangEN, "fr": LangVI} {
		if got := ParseLang(in); got != want {
			t.Errorf("ParseLang(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestMessageCatalogue checks every registered message: both languages
// present, the same parameters in each, and codes in the dotted form.
func TestMessageCatalogue(t *testing.T) {
	for _, c := range ReasonCodes() {
		m, _ := LookupMessage(c)
		if strings.HasPrefix(string(c), "test.") {
			continue
		}
		if m.VI == "" || m.EN == "" {
			t.Errorf("%s: a language is missing: %+v", c, m)
		}
		if !reflect.DeepEqual(PlaceholderNames(m.VI), PlaceholderNames(m.EN)) {
			t.Errorf("%s: parameters differ: vi %v, en %v", c, PlaceholderNames(m.VI), PlaceholderNames(m.EN))
		}
		if s := string(c); strings.ToLower(s) != s || !strings.Contains(s, ".") || strings.ContainsAny(s, " \t") {
			t.Errorf("%s: codes are dotted lower-case words", c)
		}
	}
}
