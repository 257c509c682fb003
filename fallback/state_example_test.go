package fallback_test

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/strata-go/strata/fallback"
	"github.com/strata-go/strata/providers"
)

// A process keeps what it learned across a restart: the first writes its
// state at exit, the second reads it at start and, during a total outage,
// answers from the first one's last good answer rather than a default.
func ExampleResolver_Export() {
	cfg := fallback.Config{
		Providers: []fallback.ProviderConfig{{Name: "ads", Tier: fallback.Primary, Confidence: 0.95, DataTypes: []string{"cpc"}}},
		DataTypes: []fallback.DataTypeConfig{{
			Name:    "cpc",
			Params:  []fallback.ParamConfig{{Name: "keyword", Required: true}},
			Default: &fallback.DefaultConfig{Base: 1.50},
		}},
	}
	up := providers.Func(func(context.Context, providers.Request) (providers.Response, error) {
		return providers.Response{Value: 1.32}, nil
	})
	down := providers.Func(func(context.Context, providers.Request) (providers.Response, error) {
		return providers.Response{}, providers.Errorf(providers.Transient, "down")
	})
	ctx := context.Background()
	params := fallback.Params{"keyword": "shoes"}

	first, err := fallback.New(cfg, fallback.WithProvider("ads", up))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := first.Resolve(ctx, "cpc", params); err != nil {
		log.Fatal(err)
	}
	var state bytes.Buffer // a file, in a real program
	if _, err := first.Export(ctx, &state); err != nil {
		log.Fatal(err)
	}
	first.Close()

	second, err := fallback.New(cfg, fallback.WithProvider("ads", down))
	if err != nil {
		log.Fatal(err)
	}
	defer second.Close()
	rep, err := second.Import(ctx, &state)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("imported %d answers and %d series, skipped %d, whole: %v\n", rep.Answers, rep.Series, rep.Skipped, rep.Complete)
	res, err := second.Resolve(ctx, "cpc", params)
	fmt.Println(res.Value, res.Layer, res.Source, err)
	// Output:
	// imported 1 answers and 1 series, skipped 0, whole: true
	// 1.32 cache ads <nil>
}

// The state kept in a file, as docs/state.md shows it: written at exit by
// one run, read at start by the next.
func ExampleResolver_Import() {
	cfg := fallback.Config{
		Providers: []fallback.ProviderConfig{{Name: "ads", Tier: fallback.Primary, Confidence: 0.95, DataTypes: []string{"cpc"}}},
		DataTypes: []fallback.DataTypeConfig{{
			Name:    "cpc",
			Params:  []fallback.ParamConfig{{Name: "keyword", Required: true}},
			Default: &fallback.DefaultConfig{Base: 1.50},
		}},
	}
	up := providers.Func(func(context.Context, providers.Request) (providers.Response, error) {
		return providers.Response{Value: 1.32}, nil
	})
	down := providers.Func(func(context.Context, providers.Request) (providers.Response, error) {
		return providers.Response{}, providers.Errorf(providers.Unavailable, "outage")
	})
	ctx := context.Background()
	params := fallback.Params{"keyword": "shoes"}
	dir, err := os.MkdirTemp("", "strata-state")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	statePath := filepath.Join(dir, "strata.state")

	// The first run.
	r, err := fallback.New(cfg, fallback.WithProvider("ads", up))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := r.Resolve(ctx, "cpc", params); err != nil {
		log.Fatal(err)
	}
	// At exit (or every few minutes):
	f, err := os.Create(statePath)
	if err != nil {
		log.Fatal(err)
	}
	exported, err := r.Export(ctx, f) // ExportReport{Answers, Series, Observations, Rates}
	f.Close()
	fmt.Printf("exported %d answers and %d series: %v\n", exported.Answers, exported.Series, err)
	r.Close()

	// The next run, during an outage.
	r, err = fallback.New(cfg, fallback.WithProvider("ads", down))
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	// At start, before serving:
	f, err = os.Open(statePath)
	if err != nil {
		log.Fatal(err)
	}
	imported, err := r.Import(ctx, f) // ImportReport: what was taken, what was skipped and why
	f.Close()
	fmt.Printf("imported %d answers and %d series, skipped %d, whole: %v: %v\n", imported.Answers, imported.Series, imported.Skipped, imported.Complete, err)
	res, err := r.Resolve(ctx, "cpc", params)
	fmt.Println(res.Value, res.Layer, res.Source, err)
	// Output:
	// exported 1 answers and 1 series: <nil>
	// imported 1 answers and 1 series, skipped 0, whole: true: <nil>
	// 1.32 cache ads <nil>
}
