package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
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
	require.NoError(t, run(context.Background(), []string{"-in", in, "-methods", "drift,naive", "-json", "-out", out}, &buf, nil))
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
	require.NoError(t, run(context.Background(), []string{"-in", in, "-in", in2, "-methods", "auto"}, &buf, nil))
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
		{[]string{"-in", good, "-methods", "prophet"}, "unknown method"},
		{[]string{"-in", good, "extra"}, `unexpected argument "extra"`},
		{[]string{"-in", good, "-ref", writeFile(t, "r.csv", "id,model\nA1,x\n")}, "no \"method\" column"},
		{[]string{"-in", good, "-ref", writeFile(t, "r2.csv", "id,method,model,mean\nA1,drift,x,1 y\n")}, "line 2: mean"},
		{[]string{"-in", filepath.Join(t.TempDir(), "missing.csv")}, "no such file"},
		{[]string{"-in", writeFile(t, "b.csv", "id,frequency\nA,1\n")}, "no \"horizon\" column"},
		{[]string{"-in", writeFile(t, "c.csv", "id,frequency,horizon,train,test\nA,1,2,1 2 3,4\n")}, "test has 1 values"},
		{[]string{"-in", writeFile(t, "d.csv", "id,frequency,horizon,train,test\nA,1,1,1 x 3,4\n")}, "train"},
		{[]string{"-bogus"}, "flag provided but not defined"},
	} {
		err := run(context.Background(), tc.args, &bytes.Buffer{}, nil)
		assert.ErrorContains(t, err, tc.want, "run(%v)", tc.args)
	}
}

func TestRunHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := run(ctx, []string{"-in", writeFile(t, "s.csv", testData)}, &bytes.Buffer{}, nil)
	assert.Error(t, err, "cancelled run succeeded")
}

func TestRunHelp(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-help"}, &out, nil), "-help is not an error")
	assert.Contains(t, out.String(), usage)
	for _, name := range []string{"in", "methods", "json", "out", "workers", "ref", "ref-method", "q"} {
		assert.Regexp(t, `(?m)^  -`+name+`(\s|$)`, out.String(), "-help documents -%s", name)
	}
}

// refData holds reference forecasts for testData's series: drift's exact
// forecast of A1 (and a naive one 10 % off), and one with the wrong length.
const refData = `"id","method","model","mean","lo80","hi80","lo95","hi95"
"A1","drift","DRIFT","11 12 13","","","",""
"A1","naive","Naive method","11 13.2 14.3","","","",""
"B1","drift","Drift","5 5","","","",""
`

func TestRunReference(t *testing.T) {
	in := writeFile(t, "s.csv", testData)
	ref := writeFile(t, "ref.csv", refData)
	var buf bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-in", in, "-methods", "drift,naive", "-ref", ref, "-json"}, &buf, nil))
	var rep struct {
		Methods map[string]struct {
			Reference *Comparison `json:"reference"`
		} `json:"methods"`
	}
	require.NoError(t, json.Unmarshal(buf.Bytes(), &rep), buf.String())
	d := rep.Methods["drift"].Reference
	require.NotNil(t, d)
	// B1's reference has 2 values for a horizon of 4: not compared.
	assert.Equal(t, Comparison{Method: "drift", Series: 1, Within1: 1, SameModel: 1, SMAPE: 0, RefSMAPE: 0}, *d)
	// naive forecasts A1 at 10 for 11, 12, 13: the reference's 11, 13.2,
	// 14.3 are 1/11, 3.2/13.2 and 4.3/14.3 away, well over 1 %.
	n := rep.Methods["naive"].Reference
	require.NotNil(t, n)
	assert.Equal(t, 1, n.Series)
	assert.Zero(t, n.Within1)
	assert.Zero(t, n.SameModel)
	assert.InDelta(t, (200.0/21+400.0/22+600.0/23)/3, n.SMAPE, 1e-9)
	assert.InDelta(t, (0+200*1.2/25.2+200*1.3/27.3)/3, n.RefSMAPE, 1e-9)

	// -ref-method compares every method with one reference method, and the
	// text report says so.
	buf.Reset()
	require.NoError(t, run(context.Background(), []string{"-in", in, "-methods", "naive", "-ref", ref, "-ref-method", "drift"}, &buf, nil))
	assert.Contains(t, buf.String(), "reference drift on 1 series: 0 within 1 %")
	buf.Reset()
	require.NoError(t, run(context.Background(), []string{"-in", in, "-methods", "ses", "-ref", ref}, &buf, nil))
	assert.Contains(t, buf.String(), "reference ses: no forecasts for these series")
}

func TestRunProgress(t *testing.T) {
	in := writeFile(t, "s.csv", testData)
	var out, progress bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-in", in, "-methods", "naive,drift"}, &out, &progress))
	// Two series: a line per series (a tenth of two rounds up to one), per
	// method, and nothing of it on stdout.
	lines := strings.Split(strings.TrimSpace(progress.String()), "\n")
	require.Len(t, lines, 4, progress.String())
	assert.True(t, strings.HasPrefix(lines[0], "forecasteval: naive 1/2 series ("), lines[0])
	assert.True(t, strings.HasPrefix(lines[3], "forecasteval: drift 2/2 series ("), lines[3])
	assert.NotContains(t, out.String(), "forecasteval:")
	// -q silences it.
	progress.Reset()
	require.NoError(t, run(context.Background(), []string{"-in", in, "-q"}, &out, &progress))
	assert.Empty(t, progress.String())
}

// TestIsTerminal: a file or a pipe is not a terminal, so main gives run no
// progress writer for them.
func TestIsTerminal(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "f"))
	require.NoError(t, err)
	defer f.Close()
	assert.False(t, isTerminal(f), "a file")
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	defer w.Close()
	assert.False(t, isTerminal(w), "a pipe")
}
