package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testData is a small file in the M3 layout: a yearly series on a line
// (forecast exactly by drift) and a constant quarterly one, without the
// optional group column for the second file.
const testData = `id,frequency,horizon,train,test,group
A1,1,3,1 2 3 4 5 6 7 8 9 10,11 12 13,yearly
B1,4,4,5 5 5 5 5 5 5 5 5 5 5 5,5 5 5 5,quarterly
`

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	return p
}

func TestRunJSON(t *testing.T) {
	in := writeFile(t, "s.csv", testData)
	out := filepath.Join(t.TempDir(), "fc.csv")
	var buf bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-in", in, "-methods", "drift,naive", "-json", "-out", out}, &buf))
	var rep struct {
		Methods map[string]struct {
			Overall map[string]float64            `json:"overall"`
			Groups  map[string]map[string]float64 `json:"groups"`
		} `json:"methods"`
		Seconds float64 `json:"seconds"`
	}
	require.NoError(t, json.Unmarshal(buf.Bytes(), &rep), buf.String())
	d := rep.Methods["drift"]
	// drift is exact on both series: zero error, full coverage.
	assert.Equal(t, 0.0, d.Overall["smape"], "drift smape")
	assert.Equal(t, 2.0, d.Overall["series"], "drift series")
	assert.Equal(t, 100.0, d.Groups["yearly"]["coverage95"], "drift yearly coverage95")
	// naive on the line: errors 1, 2, 3 against 11, 12, 13; MASE scale 1.
	n := rep.Methods["naive"].Groups["yearly"]
	assert.InDelta(t, (200.0/21+400.0/22+600.0/23)/3, n["smape"], 1e-9, "naive yearly smape")
	assert.InDelta(t, 2, n["mase"], 1e-9, "naive yearly mase")
	// MASE is undefined on the constant series (zero scale) and left out.
	assert.Zero(t, rep.Methods["naive"].Groups["quarterly"]["mase"], "quarterly mase")
	f, err := os.Open(out)
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 5)
	require.Equal(t, []string{"id", "method", "model", "mean", "lo80", "hi80", "lo95", "hi95"}, rows[0])
	assert.Equal(t, "A1", rows[1][0])
	assert.Equal(t, "drift", rows[1][1])
	assert.Equal(t, "11 12 13", rows[1][3])
}

func TestRunText(t *testing.T) {
	in := writeFile(t, "s.csv", testData)
	in2 := writeFile(t, "t.csv", "id,frequency,horizon,train,test\nC1,12,2,1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26,27 28\n")
	var buf bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-in", in, "-in", in2, "-methods", "auto"}, &buf))
	for _, want := range []string{"method auto:", "yearly", "quarterly", "monthly", "all             3"} {
		assert.Contains(t, buf.String(), want)
	}
}

func TestRunErrors(t *testing.T) {
	good := writeFile(t, "s.csv", testData)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "no input"},
		{[]string{"-in", good, "-methods", "arima"}, "unknown method"},
		{[]string{"-in", filepath.Join(t.TempDir(), "missing.csv")}, "no such file"},
		{[]string{"-in", writeFile(t, "b.csv", "id,frequency\nA,1\n")}, "no \"horizon\" column"},
		{[]string{"-in", writeFile(t, "c.csv", "id,frequency,horizon,train,test\nA,1,2,1 2 3,4\n")}, "test has 1 values"},
		{[]string{"-in", writeFile(t, "d.csv", "id,frequency,horizon,train,test\nA,1,1,1 x 3,4\n")}, "train"},
		{[]string{"-bogus"}, "flag provided but not defined"},
	} {
		err := run(context.Background(), tc.args, &bytes.Buffer{})
		assert.ErrorContains(t, err, tc.want, "run(%v)", tc.args)
	}
}

func TestRunHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := run(ctx, []string{"-in", writeFile(t, "s.csv", testData)}, &bytes.Buffer{})
	assert.Error(t, err, "cancelled run succeeded")
}

func TestRunHelp(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-help"}, &out), "-help is not an error")
	assert.Contains(t, out.String(), usage)
	for _, name := range []string{"in", "methods", "json", "out", "workers"} {
		assert.Regexp(t, `(?m)^  -`+name+`( |$)`, out.String(), "-help documents -%s", name)
	}
}
