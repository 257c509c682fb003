package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunJSON(t *testing.T) {
	in := writeFile(t, "s.csv", testData)
	out := filepath.Join(t.TempDir(), "fc.csv")
	var buf bytes.Buffer
	if err := run(context.Background(), []string{"-in", in, "-methods", "drift,naive", "-json", "-out", out}, &buf); err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Methods map[string]struct {
			Overall map[string]float64            `json:"overall"`
			Groups  map[string]map[string]float64 `json:"groups"`
		} `json:"methods"`
		Seconds float64 `json:"seconds"`
	}
	if err := json.Unmarshal(buf.Bytes(), &rep); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	d := rep.Methods["drift"]
	// drift is exact on both series: zero error, full coverage.
	if d.Overall["smape"] != 0 || d.Overall["series"] != 2 || d.Groups["yearly"]["coverage95"] != 100 {
		t.Errorf("drift: %v %v", d.Overall, d.Groups)
	}
	// naive on the line: errors 1, 2, 3 against 11, 12, 13; MASE scale 1.
	n := rep.Methods["naive"].Groups["yearly"]
	want := (200.0/21 + 400.0/22 + 600.0/23) / 3
	if math.Abs(n["smape"]-want) > 1e-9 || math.Abs(n["mase"]-2) > 1e-9 {
		t.Errorf("naive yearly: %v, want smape %v mase 2", n, want)
	}
	// MASE is undefined on the constant series (zero scale) and left out.
	if _, ok := rep.Methods["naive"].Groups["quarterly"]["mase"]; ok && rep.Methods["naive"].Groups["quarterly"]["mase"] != 0 {
		t.Errorf("quarterly mase %v", rep.Methods["naive"].Groups["quarterly"]["mase"])
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 || strings.Join(rows[0], ",") != "id,method,model,mean,lo80,hi80,lo95,hi95" {
		t.Fatalf("rows %v", rows)
	}
	if rows[1][0] != "A1" || rows[1][1] != "drift" || rows[1][3] != "11 12 13" {
		t.Errorf("row %v", rows[1])
	}
}

func TestRunText(t *testing.T) {
	in := writeFile(t, "s.csv", testData)
	in2 := writeFile(t, "t.csv", "id,frequency,horizon,train,test\nC1,12,2,1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26,27 28\n")
	var buf bytes.Buffer
	if err := run(context.Background(), []string{"-in", in, "-in", in2, "-methods", "auto"}, &buf); err != nil {
		t.Fatal(err)
	}
	s := buf.String()
	for _, want := range []string{"method auto:", "yearly", "quarterly", "monthly", "all             3"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
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
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("run(%v) = %v, want %q", tc.args, err, tc.want)
		}
	}
}

func TestRunHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := run(ctx, []string{"-in", writeFile(t, "s.csv", testData)}, &bytes.Buffer{})
	if err == nil {
		t.Error("cancelled run succeeded")
	}
}
