package main

import (
	"context"
	_ "embed"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/strata-go/strata/fallback"
	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/providers/fake"
)

//go:embed config.yaml
var configYAML []byte

// brief is what the campaign is for.
type brief struct {
	Industry string
	Market   string
	Month    string
	Channels []string
	Keywords []string
}

// figure is one resolved fact of the plan.
type figure struct {
	DataType string
	Params   fallback.Params
	Result   fallback.Result
	Err      error
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("campaign", flag.ContinueOnError)
	fs.SetOutput(stdout)
	b := brief{}
	fs.StringVar(&b.Industry, "industry", "retail", "industry of the advertiser")
	fs.StringVar(&b.Market, "market", "us", "two-letter market code")
	fs.StringVar(&b.Month, "month", "11", "campaign month, 01-12")
	channels := fs.String("channels", "search,social", "comma-separated channels (search, social, display)")
	keywords := fs.String("keywords", "running shoes,trail shoes,hiking boots,walking shoes", "comma-separated keywords")
	seed := fs.Uint64("seed", 7, "seed of the fake providers")
	if err := fs.Parse(args); err != nil {
		return err
	}
	b.Channels = splitList(*channels)
	b.Keywords = splitList(*keywords)

	cfg, err := fallback.ParseConfig(configYAML)
	if err != nil {
		return fmt.Errorf("embedded config: %w", err)
	}
	provs, err := fakeProviders(*seed, b)
	if err != nil {
		return err
	}
	opts := []fallback.Option{fallback.WithSeed(*seed)}
	for name, p := range provs {
		opts = append(opts, fallback.WithProvider(name, p))
	}
	r, err := fallback.New(cfg, opts...)
	if err != nil {
		return err
	}
	defer r.Close()

	figs := resolveBrief(ctx, r, b)
	return printTable(stdout, figs)
}

// resolveBrief resolves every figure the brief needs, one after another so
// the provider that goes down halfway does so mid-run.
func resolveBrief(ctx context.Context, r *fallback.Resolver, b brief) []figure {
	var figs []figure
	add := func(dataType string, p fallback.Params) {
		res, err := r.Resolve(ctx, dataType, p)
		figs = append(figs, figure{DataType: dataType, Params: p, Result: res, Err: err})
	}
	add("market_growth", fallback.Params{"industry": b.Industry, "market": b.Market})
	add("competitor_spend", fallback.Params{"industry": b.Industry, "market": b.Market})
	add("seasonality_index", fallback.Params{"industry": b.Industry, "month": b.Month})
	for _, ch := range b.Channels {
		add("conversion_rate", fallback.Params{"industry": b.Industry, "channel": ch})
		for _, kw := range b.Keywords {
			add("cpc", fallback.Params{"keyword": kw, "channel": ch, "market": b.Market})
			add("ctr", fallback.Params{"keyword": kw, "channel": ch, "market": b.Market})
		}
	}
	return figs
}

func printTable(w io.Writer, figs []figure) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DATA TYPE\tPARAMS\tVALUE\tLAYER\tSOURCE\tCONFIDENCE\tCOST")
	var total float64
	layers := map[fallback.Layer]int{}
	failed := 0
	for _, f := range figs {
		if f.Err != nil {
			failed++
			fmt.Fprintf(tw, "%s\t%s\t-\t-\t-\t-\t-\t(%v)\n", f.DataType, formatParams(f.Params), f.Err)
			continue
		}
		res := f.Result
		total += res.Cost
		layers[res.Layer]++
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%.2f\t$%.3f\n", f.DataType, formatParams(f.Params), formatValue(res.Value), res.Layer, res.Source, res.Confidence, res.Cost)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%d figures, %d unanswered, data cost $%.3f\n", len(figs), failed, total)
	var parts []string
	for _, l := range fallback.Layers {
		if layers[l] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", l, layers[l]))
		}
	}
	fmt.Fprintf(w, "answered by layer: %s\n", strings.Join(parts, ", "))
	return nil
}

func formatParams(p fallback.Params) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + p[k]
	}
	return strings.Join(parts, " ")
}

func formatValue(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1000:
		return fmt.Sprintf("%.0f", v)
	case a >= 1:
		return fmt.Sprintf("%.2f", v)
	default:
		return fmt.Sprintf("%.4f", v)
	}
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// fakeProviders builds the offline providers. Values are deterministic
// functions of the request, so runs are reproducible; ads_api goes down
// (Unavailable) for every call past the first half of the brief's figures.
func fakeProviders(seed uint64, b brief) (map[string]providers.Provider, error) {
	adsCalls := int64(len(b.Channels) * len(b.Keywords))
	specs := map[string]fake.Config{
		"ads_api": {
			Latency:   fake.Latency{Median: 40 * time.Millisecond, P99: 150 * time.Millisecond},
			ValueFunc: truth(0),
			Outages:   []fake.Outage{{FromCall: adsCalls, Do: fake.Fail(providers.Unavailable)}},
		},
		"analytics": {
			Latency:   fake.Latency{Median: 20 * time.Millisecond, P99: 60 * time.Millisecond},
			ValueFunc: truth(0),
		},
		"market_data": {
			Latency:   fake.Latency{Median: 60 * time.Millisecond, P99: 200 * time.Millisecond},
			ValueFunc: truth(0),
			Errors:    map[providers.Class]float64{providers.Transient: 0.1},
		},
		"benchmarks": {
			Latency:   fake.Latency{Median: 15 * time.Millisecond, P99: 40 * time.Millisecond},
			ValueFunc: truth(0.08), // coarser: off by up to 8%
		},
	}
	out := make(map[string]providers.Provider, len(specs))
	i := uint64(0)
	for name, c := range specs {
		c.Name = name
		c.Seed = seed + i
		i++
		p, err := fake.New(c)
		if err != nil {
			return nil, fmt.Errorf("fake %s: %w", name, err)
		}
		out[name] = p
	}
	return out, nil
}

// truth returns a deterministic value for a request: a plausible level for
// the data type, varied by a hash of the params, off by up to bias.
func truth(bias float64) func(providers.Request) float64 {
	return func(req providers.Request) float64 {
		h := fnv.New64a()
		keys := make([]string, 0, len(req.Params))
		for k := range req.Params {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			h.Write([]byte(k + "=" + req.Params[k] + ";"))
		}
		u := float64(h.Sum64()%10000) / 10000 // in [0, 1)
		base := map[string]float64{
			"cpc": 1.2, "ctr": 0.03, "conversion_rate": 0.025,
			"market_growth": 0.05, "competitor_spend": 300000, "seasonality_index": 1.1,
		}[req.DataType]
		v := base * (0.6 + 0.8*u)
		return v * (1 + bias*(2*u-1))
	}
}
