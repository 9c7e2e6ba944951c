package main

import (
	"sort"
	"testing"

	"github.com/stretchr/testify/require"
)

// Every command answers `sohoa help CMD` with its usage on stdout, exit 0.
func TestHelpForEveryCommand(t *testing.T) {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	require.NotEmpty(t, names)
	for _, n := range names {
		t.Run(n, func(t *testing.T) {
			code, out, errOut := runCLI(t, nil, "help", n)
			require.Equal(t, exitOK, code, "stderr: %s", errOut)
			require.Contains(t, out, "Usage: sohoa "+n)
		})
	}
}
