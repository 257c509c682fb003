package otel

import (
	"errors"

	otelglobal "go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
)

// setGlobal installs cfg's providers as the global ones and returns a
// function that puts the previous ones back.
func setGlobal(cfg Config) (restore func()) {
	tp, mp := otelglobal.GetTracerProvider(), otelglobal.GetMeterProvider()
	otelglobal.SetTracerProvider(cfg.TracerProvider)
	otelglobal.SetMeterProvider(cfg.MeterProvider)
	return func() {
		otelglobal.SetTracerProvider(tp)
		otelglobal.SetMeterProvider(mp)
	}
}

var errRefused = errors.New("meter: refused")

// refusingMeterProvider's meter refuses every instrument and callback.
type refusingMeterProvider struct{ noop.MeterProvider }

func (refusingMeterProvider) Meter(string, ...metric.MeterOption) metric.Meter {
	return refusingMeter{}
}

type refusingMeter struct{ noop.Meter }

func (refusingMeter) Int64Counter(string, ...metric.Int64CounterOption) (metric.Int64Counter, error) {
	return noop.Int64Counter{}, errRefused
}

func (refusingMeter) Int64UpDownCounter(string, ...metric.Int64UpDownCounterOption) (metric.Int64UpDownCounter, error) {
	return noop.Int64UpDownCounter{}, errRefused
}

func (refusingMeter) Float64Histogram(string, ...metric.Float64HistogramOption) (metric.Float64Histogram, error) {
	return noop.Float64Histogram{}, errRefused
}

func (refusingMeter) Float64ObservableGauge(string, ...metric.Float64ObservableGaugeOption) (metric.Float64ObservableGauge, error) {
	return noop.Float64ObservableGauge{}, errRefused
}

func (refusingMeter) Float64ObservableCounter(string, ...metric.Float64ObservableCounterOption) (metric.Float64ObservableCounter, error) {
	return noop.Float64ObservableCounter{}, errRefused
}

func (refusingMeter) RegisterCallback(metric.Callback, ...metric.Observable) (metric.Registration, error) {
	return nil, errRefused
}

// registeringMeterProvider's meter accepts every instrument and returns
// reg for its callback.
type registeringMeterProvider struct {
	noop.MeterProvider
	reg metric.Registration
}

func (p registeringMeterProvider) Meter(string, ...metric.MeterOption) metric.Meter {
	return registeringMeter{reg: p.reg}
}

type registeringMeter struct {
	noop.Meter
	reg metric.Registration
}

func (m registeringMeter) RegisterCallback(metric.Callback, ...metric.Observable) (metric.Registration, error) {
	return m.reg, nil
}

// failingRegistration counts its Unregister calls, each refused.
type failingRegistration struct {
	metric.Registration
	calls int
}

func (r *failingRegistration) Unregister() error {
	r.calls++
	return errRefused
}
