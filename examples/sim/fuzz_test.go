package main

import (
	"io/fs"
	"strings"
	"testing"

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
	f.Add([]byte("name: x\nrequests: 1\nkeys: [{data_type: a, truth: {level: 1}}]\n"))
	entries, _ := fs.ReadDir(shipped, "scenarios")
	for _, e := range entries {
		data, _ := fs.ReadFile(shipped, "scenarios/"+e.Name())
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := parseScenario(data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "scenario: ") {
				t.Errorf("error %q lacks the scenario: prefix", err)
			}
			return
		}
		if sc.Requests <= 0 || sc.Concurrency <= 0 || !(sc.TimeScale > 0) || sc.Deadline <= 0 || len(sc.Keys) == 0 {
			t.Fatalf("accepted an invalid scenario: %+v", sc)
		}
		keys := compileKeys(sc)
		for _, k := range keys {
			if !(k.truth > 0) {
				t.Fatalf("key %s: truth %v not positive", k.canon, k.truth)
			}
		}
		w, err := newWorld(sc, keys)
		if err != nil {
			t.Fatalf("accepted scenario has invalid fakes: %v", err)
		}
		cfg, err := mergeResolver(deriveConfig(sc), &sc.Resolver)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "scenario: resolver") {
				t.Errorf("resolver error %q does not name the block", err)
			}
			return
		}
		opts := []fallback.Option{}
		for _, p := range w.provs {
			opts = append(opts, fallback.WithProvider(p.spec.Name, p))
		}
		if len(sc.Resolver.Content) > 0 {
			return // the block may declare providers the scenario does not have
		}
		r, err := fallback.New(cfg, opts...)
		if err != nil {
			t.Fatalf("the derived config of an accepted scenario is refused: %v", err)
		}
		r.Close()
	})
}
