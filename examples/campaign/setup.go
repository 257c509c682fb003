package main

import (
	"context"
	_ "embed"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/strata-go/strata/fallback"
	"github.com/strata-go/strata/providers/fake"
	"github.com/strata-go/strata/stats"
)

//go:embed config.yaml
var configYAML []byte

// stack is the resolver and what the host keeps beside it: the fakes (to
// inject faults into) and the history (to preload).
type stack struct {
	r       *fallback.Resolver
	cfg     fallback.Config
	fakes   map[string]*fake.Provider
	history *stats.MemoryHistory
	// real names the real providers in use.
	real []string
}

// stackOptions configure newStack.
type stackOptions struct {
	Seed uint64
	Real realOptions
	// TTL, when positive, replaces every data type's TTL (the dashboard
	// shortens them so the providers keep being asked).
	TTL      time.Duration
	Observer fallback.Observer
}

// newStack builds the resolver from the embedded config, the fakes and,
// when keys are given, the real adapters.
func newStack(o stackOptions) (*stack, error) {
	cfg, err := fallback.ParseConfig(configYAML)
	if err != nil {
		return nil, fmt.Errorf("embedded config: %w", err)
	}
	// ParseConfig returns a Config of our own: changing it changes no one
	// else's.
	if o.TTL > 0 {
		for i := range cfg.DataTypes {
			cfg.DataTypes[i].TTL = o.TTL
			cfg.DataTypes[i].RefreshAhead = 0
		}
	}
	fakes, err := fakeProviders(o.Seed)
	if err != nil {
		return nil, err
	}
	h, err := stats.NewMemoryHistory(stats.MemoryConfig{})
	if err != nil {
		return nil, err
	}
	opts := []fallback.Option{fallback.WithSeed(o.Seed), fallback.WithHistory(h)}
	for _, name := range fakeNames {
		opts = append(opts, fallback.WithProvider(name, fakes[name]))
	}
	s := &stack{fakes: fakes, history: h}
	if o.Real.any() {
		real, err := addReal(&cfg, o.Real)
		if err != nil {
			return nil, err
		}
		for name, p := range real {
			opts = append(opts, fallback.WithProvider(name, p))
			s.real = append(s.real, name)
		}
		slices.Sort(s.real)
		opts = append(opts, fallback.WithCredentials(credentials(o.Real)))
	}
	if o.Observer != nil {
		opts = append(opts, fallback.WithObserver(o.Observer))
	}
	s.cfg = cfg
	if s.r, err = fallback.New(cfg, opts...); err != nil {
		return nil, err
	}
	return s, nil
}

// Close stops the resolver.
func (s *stack) Close() error { return s.r.Close() }

// preloadHistory appends n periods of synthetic history for every figure
// of fs, ending with the period before now, under the resolver's own
// canonical key for the figure (Resolver.Key), so the statistical layer
// can forecast when every provider is down. One observation per period of
// the figure's data type (daily CPC and CTR, weekly growth, monthly
// seasonality): the fakes' value for the key with a gentle trend, a
// weekly or yearly cycle where the period has one, and 3% noise, seeded.
func (s *stack) preloadHistory(ctx context.Context, fs *figures, n int, seed uint64, now time.Time) error {
	if n <= 0 {
		return nil
	}
	periods := map[string]stats.Period{}
	for _, dt := range s.cfg.DataTypes {
		p := dt.Period
		if p.IsZero() {
			p = stats.Daily
		}
		periods[dt.Name] = p
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	for _, f := range fs.All {
		key, err := s.r.Key(f.DataType, f.Params)
		if err != nil {
			return err
		}
		p := periods[f.DataType]
		level := trueValue(f.DataType, f.Params, unit(f.DataType, f.Params))
		last := p.Index(now) - 1
		for k := int64(n) - 1; k >= 0; k-- {
			idx := last - k
			at := p.Start(idx)
			v := level * (1 - 0.0005*float64(k)) // a gentle upward trend
			switch season := p.SeasonLength(); {
			case f.DataType == "seasonality_index":
				// The month's index is what it is: the series is its
				// year-to-year level.
			case season > 1:
				v *= 1 + 0.05*math.Sin(2*math.Pi*float64(idx%int64(season))/float64(season))
			}
			v *= 1 + 0.03*rng.NormFloat64()
			if f.DataType != "market_growth" {
				v = math.Abs(v)
			}
			if err := s.history.Append(ctx, key, stats.Observation{At: at, Value: v}); err != nil {
				return err
			}
		}
	}
	return nil
}
