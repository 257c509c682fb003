package fake_test

import (
	"context"
	"testing"

	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/providers/fake"
)

// BenchmarkFetch compares the fake's success path with a providers.Func
// that returns a constant (the floor), sequentially and in parallel.
func BenchmarkFetch(b *testing.B) {
	ctx := context.Background()
	baseline := providers.Func(func(ctx context.Context, _ providers.Request) (providers.Response, error) {
		if err := ctx.Err(); err != nil {
			return providers.Response{}, err
		}
		return providers.Response{Value: 1}, nil
	})
	subjects := []struct {
		name string
		p    providers.Provider
	}{
		{"Func", baseline},
		{"Fake", mustNew(b, fake.Config{Value: 1})},
		{"FakeWithRates", mustNew(b, fake.Config{Value: 1, Errors: map[providers.Class]float64{providers.Transient: 0.01}, Seed: 1})},
		{"FakeWithScriptAndOutages", mustNew(b, fake.Config{Value: 1,
			Script:  []fake.Step{{Times: 3, Do: fake.Fail(providers.Transient)}},
			Outages: []fake.Outage{{FromCall: 1 << 60}}})},
		{"FakeTrackKeys", mustNew(b, fake.Config{Value: 1, TrackKeys: true})},
	}
	for _, s := range subjects {
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s.p.Fetch(ctx, req)
			}
		})
		b.Run(s.name+"/Parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					s.p.Fetch(ctx, req)
				}
			})
		})
	}
}
