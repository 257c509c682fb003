package cli

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testSet() (*FlagSet, *float64, *time.Duration, *bool, *string) {
	fs := NewFlagSet("prog")
	n := Define(fs, "ratio", 1.0, "a `number`", "want a number above 0", Number, func(v float64) bool { return v > 0 })
	d := Define(fs, "wait", time.Second, "a `duration`", "want a duration such as 5s", Duration, nil)
	b := fs.Bool("json", false, "print JSON")
	s := fs.String("name", "", "a name")
	return fs, n, d, b, s
}

func TestParseArgsWordsEveryRefusal(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-nope"}, "unknown flag -nope (prog -help lists the flags)"},
		{[]string{"--nope=3"}, "unknown flag -nope (prog -help lists the flags)"},
		{[]string{"-name"}, "-name needs a value"},
		{[]string{"-json=maybe"}, `-json "maybe": want true or false (or the flag alone for true)`},
		{[]string{"-ratio", "0"}, `-ratio "0": want a number above 0`},
		{[]string{"-ratio=abc"}, `-ratio "abc": want a number above 0`},
		{[]string{"-ratio", "NaN"}, `-ratio "NaN": want a number above 0`},
		{[]string{"-wait", "5"}, `-wait "5": want a duration such as 5s`},
		{[]string{"---x"}, `cannot read "---x" as a flag: write -name or -name=value`},
		{[]string{"-=x"}, `cannot read "-=x" as a flag: write -name or -name=value`},
	} {
		fs, _, _, _, _ := testSet()
		var out bytes.Buffer
		help, err := fs.ParseArgs(tc.args, &out, func(w io.Writer) { io.WriteString(w, "usage") })
		assert.False(t, help, "%v", tc.args)
		require.Error(t, err, "%v", tc.args)
		assert.Equal(t, tc.want, err.Error(), "%v", tc.args)
		assert.Empty(t, out.String(), "nothing is written on an error")
	}
}

func TestParseArgsReadsGoodValues(t *testing.T) {
	fs, n, d, b, s := testSet()
	help, err := fs.ParseArgs([]string{"-ratio", "2.5", "--wait=1m", "-json", "-name", "x", "rest", "-nope"}, io.Discard, nil)
	require.NoError(t, err)
	assert.False(t, help)
	assert.Equal(t, 2.5, *n)
	assert.Equal(t, time.Minute, *d)
	assert.True(t, *b)
	assert.Equal(t, "x", *s)
	assert.Equal(t, []string{"rest", "-nope"}, fs.Args(), "the flags end at the first argument that is not one")

	fs, _, _, b, _ = testSet()
	_, err = fs.ParseArgs([]string{"-json=false", "--", "-nope"}, io.Discard, nil)
	require.NoError(t, err)
	assert.False(t, *b)
	assert.Equal(t, []string{"-nope"}, fs.Args())
}

func TestParseArgsHelpWritesUsageToStdout(t *testing.T) {
	for _, arg := range []string{"-help", "-h", "--help"} {
		fs, _, _, _, _ := testSet()
		var out bytes.Buffer
		help, err := fs.ParseArgs([]string{"-ratio", "2", arg}, &out, func(w io.Writer) { io.WriteString(w, "usage: prog") })
		require.NoError(t, err, arg)
		assert.True(t, help, arg)
		assert.Equal(t, "usage: prog", out.String(), arg)
	}
}

func TestReaders(t *testing.T) {
	v, err := Number(" 1e3 ")
	require.NoError(t, err)
	assert.Equal(t, 1000.0, v)
	_, err = Number("Inf")
	assert.Error(t, err)
	w, err := Whole("-4")
	require.NoError(t, err)
	assert.Equal(t, -4, w)
	_, err = Natural("-4")
	assert.Error(t, err)
	u, err := Natural("18446744073709551615")
	require.NoError(t, err)
	assert.Equal(t, uint64(18446744073709551615), u)
}
