package httpjson

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const pathDoc = `{
  "Global Quote": {"01. symbol": "IBM", "05. price": "167.1700", "07. latest trading day": "2024-03-01"},
  "Time Series (Daily)": {
    "2024-02-28": {"4. close": "185.3000"},
    "2024-03-01": {"4. close": "188.2000"},
    "2024-02-29": {"4. close": "185.0300"}
  },
  "observations": [
    {"date": "2024-01-01", "value": "4.1"},
    {"date": "2024-02-01", "value": "4.2"},
    {"date": "2024-03-01", "value": "."}
  ],
  "wb": [{"page": 1}, [
    {"date": "2024", "value": null},
    {"date": "2023", "value": 27360935000000},
    {"date": "2022", "value": 25744108000000}
  ]],
  "flags": [{"ok": true, "n": 1}, {"ok": false, "n": 2.0}, {"ok": null, "n": 3}],
  "odd": {"a.b": {"c]": 7}, "~": 8, "": 9},
  "nums": [10, 20, 30]
}`

func TestPathEval(t *testing.T) {
	doc, err := decodeJSON([]byte(pathDoc))
	require.NoError(t, err)
	tests := []struct {
		path, want string
	}{
		{`Global Quote["05. price"]`, "167.1700"},
		{`["Global Quote"]["05. price"]`, "167.1700"},
		{`["Global Quote"]["07. latest trading day"]`, "2024-03-01"},
		{`["Time Series (Daily)"][-1]["4. close"]`, "188.2000"},
		{`["Time Series (Daily)"][-1]~`, "2024-03-01"},
		{`["Time Series (Daily)"][0]~`, "2024-02-28"},
		{`observations[?value!="."][-1].value`, "4.2"},
		{`observations[?value!="."][-1].date`, "2024-02-01"},
		{`observations[-1].value`, "."},
		{`observations[?value=="4.1"][0].date`, "2024-01-01"},
		{`wb[1][?value][0].value`, "27360935000000"},
		{`wb[1][?value][0].date`, "2023"},
		{`wb[1][?value][-1]~`, "2"},
		{`flags[?ok==true][0].n`, "1"},
		{`flags[?ok==false][0].n`, "2.0"},
		{`flags[?ok==null][0].n`, "3"},
		{`flags[?n==2][0].n`, "2.0"}, // numbers compare by value
		{`flags[?ok][?n!=1][0].n`, "2.0"},
		{`odd["a.b"]["c]"]`, "7"},
		{`odd["~"]`, "8"},
		{`odd[""]`, "9"},
		{`nums[1]`, "20"},
		{`nums[-3]`, "10"},
		{`nums[2]~`, "2"},
	}
	for _, tt := range tests {
		p, err := parsePath(tt.path)
		if !assert.NoError(t, err, "parsePath(%q)", tt.path) {
			continue
		}
		n, err := p.eval(doc)
		if !assert.NoError(t, err, "eval(%q)", tt.path) {
			continue
		}
		got, err := scalarText(n.v)
		if assert.NoError(t, err, "eval(%q)", tt.path) {
			assert.Equal(t, tt.want, got, "eval(%q)", tt.path)
		}
	}
}

func TestPathEvalErrors(t *testing.T) {
	doc, err := decodeJSON([]byte(pathDoc))
	require.NoError(t, err)
	tests := []struct{ path, wantErr string }{
		{`missing`, `no member "missing"`},
		{`nums.a`, "member \"a\" of an array"},
		{`nums[3]`, "out of range"},
		{`nums[-4]`, "out of range"},
		{`observations[?value!="."]`, "ends at a filter's result"},
		{`observations[?value!="."].value`, "must be indexed"},
		{`observations[?nope][0]`, "out of range (0 elements)"},
		{`["Global Quote"]["05. price"][0]`, "index 0 of a string"},
		{`nums[?x]`, "ends at a filter's result"},
		{`Global Quote[?x][0]`, "0 elements"},
	}
	for _, tt := range tests {
		p, err := parsePath(tt.path)
		if !assert.NoError(t, err, "parsePath(%q)", tt.path) {
			continue
		}
		_, err = p.eval(doc)
		assert.ErrorContains(t, err, tt.wantErr, "eval(%q)", tt.path)
	}
	// A filter over scalars keeps nothing rather than failing.
	p, _ := parsePath(`nums[?x][0]`)
	_, err = p.eval(doc)
	assert.ErrorContains(t, err, "0 elements", "filter over numbers")
	// "~" on the root.
	root, _ := decodeJSON([]byte(`5`))
	p, _ = parsePath(`a~`)
	_, err = p.eval(root)
	assert.Error(t, err, "member of a number")
}

func TestParsePathErrors(t *testing.T) {
	bad := []string{
		``, `.a`, `a.`, `a..b`, `a[`, `a[]`, `a[x]`, `a["x"`, `a["x]`, `a[1`, `a[-]`,
		`a[?]`, `a[?x=1]`, `a[?x==]`, `a[?x==NaN]`, `a[?x==0x10]`, `a[?x=="y"`, `a~b`, `~`,
		`a]`, `a[0]b`, `a[99999999999999999999]`, `a["\q"]`,
	}
	for _, s := range bad {
		p, err := parsePath(s)
		assert.Error(t, err, "parsePath(%q) = %+v", s, p.steps)
	}
}

func TestDecodeJSON(t *testing.T) {
	for _, s := range []string{``, `{`, `{} {}`, `{} x`, `[1,]`, `nul`} {
		_, err := decodeJSON([]byte(s))
		assert.Error(t, err, "decodeJSON(%q)", s)
	}
	for _, s := range []string{`{}`, ` [1] `, "\n\"x\"\n", `12.5e3`} {
		_, err := decodeJSON([]byte(s))
		assert.NoError(t, err, "decodeJSON(%q)", s)
	}
}
