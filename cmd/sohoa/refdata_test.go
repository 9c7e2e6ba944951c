package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestReferenceData(t *testing.T) {
	vars := map[string]string{"SOHOA_DATA_DIR": t.TempDir()}
	code, out, errOut := runCLI(t, vars, "unit", "add", "000.00.12.H10", "Bộ Nội vụ")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "000.00.12.H10")
	code, _, errOut = runCLI(t, vars, "unit", "add", "000.00.12.G05", "Bộ phận Một cửa", "--parent", "000.00.12.H10")
	require.Equal(t, 0, code, errOut)
	code, _, errOut = runCLI(t, vars, "unit", "add", "000.00.12.G05", "again")
	require.Equal(t, exitFailure, code)
	require.NotEmpty(t, errOut)
	code, _, errOut = runCLI(t, vars, "unit", "add", "bad code!", "x")
	require.Equal(t, exitFailure, code)
	require.Contains(t, errOut, "not allowed")
	code, _, errOut = runCLI(t, vars, "unit", "add", "X1", "orphan", "--parent", "NOPE")
	require.Equal(t, exitFailure, code, errOut)
	code, out, _ = runCLI(t, vars, "unit", "list")
	require.Equal(t, 0, code)
	require.Contains(t, out, "Bộ phận Một cửa")
	require.NotContains(t, out, "orphan")

	code, out, errOut = runCLI(t, vars, "procedure", "add", "1.001", "Cấp giấy phép xây dựng", "--components", "Đơn đề nghị; Bản vẽ thiết kế")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "2 required components")
	code, out, _ = runCLI(t, vars, "procedure", "list")
	require.Equal(t, 0, code)
	require.Contains(t, out, "Đơn đề nghị; Bản vẽ thiết kế")

	// Every change is in the audit log (after the row that put the audit
	// key in service), and the chain holds.
	code, out, _ = runCLI(t, vars, "audit", "verify")
	require.Equal(t, 0, code)
	require.Contains(t, out, "4 entries")
}
