package otel

import (
	otelglobal "go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// ScopeName is the instrumentation scope of every span and instrument
// this package makes: its import path.
const ScopeName = "github.com/strata-go/strata/otel"

// Config says where the spans and measurements go. Its zero value uses
// the global providers (go.opentelemetry.io/otel's GetTracerProvider and
// GetMeterProvider), as OpenTelemetry instrumentation does by default;
// pass a no-op provider (trace/noop, metric/noop) to turn either off.
type Config struct {
	// TracerProvider makes the Observer's spans. Nil means the global one.
	TracerProvider trace.TracerProvider
	// MeterProvider makes the instruments. Nil means the global one.
	MeterProvider metric.MeterProvider
}

func (c Config) tracer() trace.Tracer {
	tp := c.TracerProvider
	if tp == nil {
		tp = otelglobal.GetTracerProvider()
	}
	return tp.Tracer(ScopeName)
}

func (c Config) meter() metric.Meter {
	mp := c.MeterProvider
	if mp == nil {
		mp = otelglobal.GetMeterProvider()
	}
	return mp.Meter(ScopeName)
}
