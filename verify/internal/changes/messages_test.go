package changes_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/verify/internal/changes"
)

// Every code constant the analysis declares has a message in both
// languages, with the same parameters.
func TestMessagesCoverEveryCode(t *testing.T) {
	fs := token.NewFileSet()
	f, err := parser.ParseFile(fs, "messages.go", nil, 0)
	require.NoError(t, err)
	var names []string
	ast.Inspect(f, func(n ast.Node) bool {
		if vs, ok := n.(*ast.ValueSpec); ok {
			for _, id := range vs.Names {
				if strings.HasPrefix(id.Name, "Code") {
					names = append(names, id.Name)
				}
			}
		}
		return true
	})
	require.Len(t, changes.Messages, len(names), "one message per code constant (%v)", names)
	for code, m := range changes.Messages {
		require.True(t, strings.HasPrefix(string(code), "change."), code)
		require.NotEmpty(t, m.VI, code)
		require.NotEmpty(t, m.EN, code)
		require.Equal(t, sohoa.PlaceholderNames(m.EN), sohoa.PlaceholderNames(m.VI), code)
		got, ok := sohoa.LookupMessage(code)
		require.True(t, ok, "%s registered", code)
		require.Equal(t, m, got)
	}
}

// derived are the codes whose English message is the text the analysis
// writes in Reason: checked on every report the tests analyse.
var derived = map[sohoa.ReasonCode]bool{
	changes.CodeFormFieldFilled: true, changes.CodeSignatureFieldSigned: true, changes.CodeDocTimestampAdded: true,
	changes.CodeFieldFlagsSet: true, changes.CodeSignatureFieldAdded: true, changes.CodeVisibleSignatureFieldAdded: true,
	changes.CodeDocTimestampFieldAdded: true, changes.CodeVisibleDocTimestampField: true, changes.CodeUnsignedFieldWithAppear: true,
	changes.CodeAnnotationAdded: true, changes.CodeAnnotationModified: true, changes.CodeInfoUpdated: true, changes.CodeMetadataUpdated: true,
	changes.CodeFormFieldAdded: true, changes.CodeFormFieldRemoved: true, changes.CodeFormFieldChanged: true, changes.CodeFieldLocked: true,
	changes.CodeSignatureFieldLocked: true, changes.CodeSignedFieldChanged: true, changes.CodeAllowed: true, changes.CodeDisallowed: true,
}

// requireCoded checks the coded reasons of rep: every entry and note has
// them, with object (entries) and revision, and where a code's English
// message is the report's text, it renders that text exactly.
func requireCoded(t testing.TB, rep *changes.Report) {
	t.Helper()
	for _, list := range [][]changes.ObjectChange{rep.Allowed, rep.Disallowed} {
		for _, c := range list {
			if c.Object == "…" {
				continue
			}
			require.NotEmpty(t, c.Reasons, "%+v", c)
			for _, r := range c.Reasons {
				_, ok := changes.Messages[r.Code]
				require.True(t, ok, "%s", r.Code)
				require.NotEmpty(t, r.Params["object"], "%+v", c)
				require.NotEmpty(t, r.Params["revision"], "%+v", c)
			}
			if r := c.Reasons[0]; len(c.Reasons) == 1 && derived[r.Code] {
				require.Equal(t, c.Reason, englishText(r), "%s", r.Code)
			}
		}
	}
	require.Len(t, rep.NoteReasons, len(rep.Notes))
	for i, r := range rep.NoteReasons {
		if derived[r.Code] && r.Code != changes.CodeAllowed {
			require.Equal(t, rep.Notes[i], "revision "+r.Params["revision"]+": "+englishText(r))
		}
	}
}

// englishText is the report's text for r: the English message, and the
// flags a signing application set after it (a parameter only).
func englishText(r sohoa.Reason) string {
	s := r.Text(sohoa.LangEN)
	if f := r.Params["flags"]; f != "" {
		s += " (" + f + ")"
	}
	return s
}
