package main

import (
	"bytes"
	"flag"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestOfflineSwitch: work, watch and serve check revocation online unless
// --offline or SOHOA_OFFLINE; commands without the flag stay offline.
func TestOfflineSwitch(t *testing.T) {
	for _, c := range []struct {
		env, args string
		online    bool
	}{
		{"", "", true},
		{"1", "", false},
		{"on", "", false},
		{"0", "", true},
		{"", "--offline", false},
		{"1", "--offline=false", true},
		{"garbage", "", false},
	} {
		var errb bytes.Buffer
		e := &env{stderr: &errb, getenv: func(k string) string {
			if k == "SOHOA_OFFLINE" {
				return c.env
			}
			return ""
		}}
		fs := flag.NewFlagSet("work", flag.ContinueOnError)
		cfg := &storeConfig{Offline: offlineFlag(fs, e)}
		var args []string
		if c.args != "" {
			args = []string{c.args}
		}
		require.NoError(t, fs.Parse(args))
		require.Equal(t, c.online, cfg.online(), "SOHOA_OFFLINE=%q %s", c.env, c.args)
		if c.env == "garbage" {
			require.Contains(t, errb.String(), "SOHOA_OFFLINE")
		}
	}
	require.False(t, (&storeConfig{}).online(), "a command without --offline stays offline")

	for _, cmd := range []string{"work", "watch", "serve"} {
		code, _, stderr := runCmd(t, nil, cmd, "--help")
		require.Equal(t, exitOK, code)
		require.Contains(t, stderr, "-offline", cmd)
	}
}
