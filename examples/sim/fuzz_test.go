package main

import (
	"io/fs"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/fallback"
)

// FuzzParseScenario checks that the parser never panics, that every error
// names a field or the document, and that every scenario it accepts
// compiles: its keys, its fakes and a resolver config fallback accepts.
func FuzzParseScenario(f *testing.F) {
	f.Add([]byte(minimal))
	f.Add([]byte(minimal + "resolver: {resolve: {deadline: 1s}}\n"))
	f.Add([]byte(minimal + "resolver: &x {a: *x}\n"))
	f.Add([]byte(minimal + "resolver: {providers: [&p {name: p, timeout: 1s}], data_types: [{name: cpc, ttl: 1s}]}\n"))
	f.Add([]byte(minimal + "    events: [{from: 0, to: 1, kind: flapping, period: 1}]\n"))
	f.Add([]byte(minimal + "    events: [{from: 0, to: 0.5, kind: unit, factor: 0.1}, {from: 0.5, to: 1, kind: frozen, match: {keyword: [shoes]}}]\ntruth_events: [{from: 0.5, kind: shift, factor: 2}]\n"))
	f.Add([]byte("name: x\nrequests: 1\nkeys: [{data_type: a, truth: {level: 1}}]\n"))
	f.Add([]byte(generated))
	f.Add([]byte("name: x\nrequests: 1\nkeys: {generate: 3, data_types: [{data_type: a, truth: {level: [1, 2]}}], params: {p: {values: [x, y, z]}}}\n"))
	entries, _ := fs.ReadDir(shipped, "scenarios")
	for _, e := range entries {
		data, _ := fs.ReadFile(shipped, "scenarios/"+e.Name())
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := parseScenario(data)
		if err != nil {
			assert.Regexp(t, `^scenario: `, err.Error(), "the error lacks the scenario: prefix")
			return
		}
		valid := sc.Requests > 0 && sc.Concurrency > 0 && sc.TimeScale > 0 && sc.Deadline > 0 && len(sc.Keys) > 0
		require.True(t, valid, "accepted an invalid scenario: %+v", sc)
		keys := compileKeys(sc)
		for _, k := range keys {
			require.Positive(t, k.truth, "key %s: truth", k.canon)
			for _, s := range k.shifts {
				require.Positive(t, k.truthAt(s.from), "key %s: truth shifted at %d", k.canon, s.from)
			}
		}
		w, err := newWorld(sc, keys)
		require.NoError(t, err, "accepted scenario has invalid fakes")
		cfg, err := mergeResolver(deriveConfig(sc), &sc.Resolver)
		require.NoError(t, err, "parseScenario accepted a resolver block fallback refuses")
		opts := []fallback.Option{}
		for _, p := range w.provs {
			opts = append(opts, fallback.WithProvider(p.spec.Name, p))
		}
		if len(sc.Resolver.Content) > 0 {
			return // the block may declare providers the scenario does not have
		}
		r, err := fallback.New(cfg, opts...)
		require.NoError(t, err, "the derived config of an accepted scenario is refused")
		r.Close()
	})
}
