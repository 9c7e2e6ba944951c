package sohoa

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestErrorCodeThroughWrapping(t *testing.T) {
	base := Errorf(ENOTFOUND, "dossier %q not found", "X-1")
	wrapped := fmt.Errorf("load dossier: %w", base)
	require.Equal(t, ENOTFOUND, Code(wrapped))
	require.Equal(t, `dossier "X-1" not found`, Message(wrapped))
	require.Equal(t, http.StatusNotFound, HTTPStatus(Code(wrapped)))

	plain := errors.New("disk on fire")
	require.Equal(t, EINTERNAL, Code(plain))
	require.Equal(t, "internal error", Message(plain))
	require.Equal(t, http.StatusInternalServerError, HTTPStatus(Code(plain)))
	require.Equal(t, ErrorCode(""), Code(nil))
}

func TestErrorUnwrap(t *testing.T) {
	cause := fs.ErrNotExist
	err := fmt.Errorf("opening: %w", Wrapf(cause, ENOTFOUND, "file %s does not exist", "a.pdf"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Error("errors.Is does not see the cause")
	}
	if Code(err) != ENOTFOUND || Message(err) != "file a.pdf does not exist" {
		t.Errorf("code %q message %q", Code(err), Message(err))
	}
}
