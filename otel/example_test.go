package otel_test

import (
	"context"
	"fmt"
	"log"
	"strings"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/strata-go/strata/fallback"
	strataotel "github.com/strata-go/strata/otel"
	"github.com/strata-go/strata/providers"
)

// A resolver traced and measured through the OpenTelemetry SDK. Here the
// spans go to an in-memory exporter and the metrics to a manual reader;
// a host passes its own providers (OTLP, Prometheus, ...) the same way.
func Example() {
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer tp.Shutdown(context.Background())
	defer mp.Shutdown(context.Background())
	tel := strataotel.Config{TracerProvider: tp, MeterProvider: mp}

	cfg := fallback.Config{
		Providers: []fallback.ProviderConfig{
			{Name: "ads", Tier: fallback.Primary, Cost: 0.02, DataTypes: []string{"cpc"}},
			{Name: "bench", Tier: fallback.Secondary, Cost: 0.005, DataTypes: []string{"cpc"}},
		},
		DataTypes: []fallback.DataTypeConfig{{Name: "cpc", Params: []fallback.ParamConfig{{Name: "keyword", Required: true}}}},
	}
	ads := providers.Func(func(context.Context, providers.Request) (providers.Response, error) {
		return providers.Response{}, providers.Errorf(providers.Unavailable, "down")
	})
	bench := providers.Func(func(context.Context, providers.Request) (providers.Response, error) {
		return providers.Response{Value: 1.1}, nil
	})

	obs, err := strataotel.NewObserver(tel)
	if err != nil {
		log.Fatal(err)
	}
	r, err := fallback.New(cfg, fallback.WithProvider("ads", ads), fallback.WithProvider("bench", bench),
		fallback.WithObserver(obs))
	if err != nil {
		log.Fatal(err)
	}
	sm, err := strataotel.NewSnapshotMetrics(r, tel)
	if err != nil {
		log.Fatal(err)
	}
	defer sm.Unregister()

	// The caller's span: strata's spans are its children.
	ctx, span := tp.Tracer("campaign").Start(context.Background(), "plan campaign")
	if _, err := r.Resolve(ctx, "cpc", fallback.Params{"keyword": "shoes"}); err != nil {
		log.Fatal(err)
	}
	span.End()
	if err := r.Close(); err != nil { // hands the observer every event
		log.Fatal(err)
	}
	obs.Flush()

	// The trace, as a tree.
	stubs := spans.GetSpans()
	var print func(parent string, depth int)
	print = func(parent string, depth int) {
		for _, s := range stubs {
			if s.Parent.SpanID().String() != parent {
				continue
			}
			detail := ""
			for _, kv := range s.Attributes {
				if kv.Key == "strata.provider" || kv.Key == "strata.layer" {
					detail += " " + kv.Value.AsString()
				}
			}
			fmt.Printf("%s%s%s %s\n", strings.Repeat("  ", depth), s.Name, detail, s.Status.Code)
			print(s.SpanContext.SpanID().String(), depth+1)
		}
	}
	print("0000000000000000", 0)

	// Two of the metrics.
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		log.Fatal(err)
	}
	for _, m := range rm.ScopeMetrics[0].Metrics {
		switch d := m.Data.(type) {
		case metricdata.Sum[int64]:
			if m.Name == "strata.resolves" {
				fmt.Println(m.Name, d.DataPoints[0].Value)
			}
		case metricdata.Sum[float64]:
			if m.Name == "strata.cost" {
				total := 0.0
				for _, p := range d.DataPoints {
					total += p.Value
				}
				fmt.Printf("%s %.3f\n", m.Name, total)
			}
		}
	}
	// Output:
	// plan campaign Unset
	//   strata.resolve secondary Unset
	//     strata.attempt ads Error
	//     strata.attempt bench Unset
	// strata.resolves 1
	// strata.cost 0.025
}
