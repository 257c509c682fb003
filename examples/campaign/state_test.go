package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runLayers runs the program with args and -json and counts its figures
// by layer.
func runLayers(t *testing.T, args ...string) map[string]int {
	t.Helper()
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), append(args, "-json"), &out))
	var rep struct {
		Figures []struct {
			Layer string `json:"layer"`
		} `json:"figures"`
	}
	require.NoError(t, json.Unmarshal(out.Bytes(), &rep))
	layers := map[string]int{}
	for _, f := range rep.Figures {
		layers[f.Layer]++
	}
	return layers
}

// A run writes what strata learned; a second one, an hour later during a
// total outage, answers from it rather than from defaults.
func TestStateSurvivesARestart(t *testing.T) {
	var log bytes.Buffer
	stateLog = &log
	t.Cleanup(func() { stateLog = os.Stderr })
	path := filepath.Join(t.TempDir(), "strata.state")
	synctest.Test(t, func(t *testing.T) {
		first := runLayers(t, "-state", path)
		assert.Zero(t, first["default"], "the first run's figures come from providers: %v", first)
		info, err := os.Stat(path)
		require.NoError(t, err, "written at exit")
		assert.Positive(t, info.Size())
		time.Sleep(time.Hour)

		without := runLayers(t, "-outage", "all")
		second := runLayers(t, "-state", path, "-outage", "all")
		t.Logf("first run %v; outage without state %v; with it %v", first, without, second)
		total := 0
		for _, n := range second {
			total += n
		}
		assert.Equal(t, total, without["default"], "without state, every figure is a default")
		// The primaries' answers are the first run's last good answers.
		// The secondary's (benchmarks) were a day old when fetched: an
		// hour later they fail the acceptance rule, as they would have in
		// the first process.
		assert.Equal(t, first["primary"], second["cache"], "with it, the first run's last good answers")
		assert.Equal(t, first["secondary"], second["default"])
	})
	assert.Regexp(t, `^state: \d+ answers, \d+ series \(\d+ observations\), 0 rates from .*strata.state\n$`, log.String())
	entries, err := os.ReadDir(filepath.Dir(path))
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file left")
}

// A file that is not a state file is refused, naming it; one cut short is
// taken as far as it goes, and said so.
func TestStateBadFile(t *testing.T) {
	var log bytes.Buffer
	stateLog = &log
	t.Cleanup(func() { stateLog = os.Stderr })
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk")
	require.NoError(t, os.WriteFile(junk, []byte("hello\n"), 0o600))
	synctest.Test(t, func(t *testing.T) {
		err := run(t.Context(), []string{"-state", junk, "-json"}, &bytes.Buffer{})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "-state "+junk+": fallback: not a state file: line 1")
	})
	cut := filepath.Join(dir, "cut")
	require.NoError(t, os.WriteFile(cut, []byte(`{"format":"strata-state","version":1}`+"\n"+`{"kind":"answer","key":"cpc?`), 0o600))
	synctest.Test(t, func(t *testing.T) {
		require.NoError(t, run(t.Context(), []string{"-state", cut, "-json"}, &bytes.Buffer{}))
	})
	assert.True(t, strings.HasSuffix(log.String(), "; skipped 1 records and 0 observations (malformed 1); the file was cut short\n"), log.String())
	missing := filepath.Join(dir, "no", "such", "dir", "state")
	synctest.Test(t, func(t *testing.T) {
		err := run(t.Context(), []string{"-state", missing, "-json"}, &bytes.Buffer{})
		require.Error(t, err, "the state cannot be written")
		assert.Contains(t, err.Error(), "-state: cannot write "+missing)
	})
}
