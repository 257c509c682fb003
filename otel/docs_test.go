package otel

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"

	"github.com/strata-go/strata/fallback"
)

// README: "Every metric is listed in docs/telemetry.md". The
// OpenTelemetry section's tables name each instrument NewObserver and
// NewSnapshotMetrics create, with its kind and unit, and nothing else.
func TestEveryInstrumentIsListedInTheDocs(t *testing.T) {
	page, err := os.ReadFile("../docs/telemetry.md")
	require.NoError(t, err)
	_, section, ok := strings.Cut(string(page), "\n## OpenTelemetry\n")
	require.True(t, ok, "docs/telemetry.md has an OpenTelemetry section")
	section, _, _ = strings.Cut(section, "\n## ")
	row := regexp.MustCompile("(?m)^\\| `(strata\\.[a-z_.]+)` \\| ([a-z]+) \\| `([^`]*)` \\|")
	documented := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(section, -1) {
		documented[m[1]] = m[2] + " " + m[3]
	}

	mp := &namingMeterProvider{made: map[string]string{}}
	cfg := Config{MeterProvider: mp}
	_, err = NewObserver(cfg)
	require.NoError(t, err)
	_, err = NewSnapshotMetrics(snapshotFunc(func() fallback.Snapshot { return fallback.Snapshot{} }), cfg)
	require.NoError(t, err)
	require.NotEmpty(t, mp.made)
	assert.Equal(t, mp.made, documented, "the instruments, their kinds and units, as made and as docs/telemetry.md lists them")
}

type snapshotFunc func() fallback.Snapshot

func (f snapshotFunc) Snapshot() fallback.Snapshot { return f() }

// namingMeterProvider's meter records each instrument made: its name,
// kind and unit.
type namingMeterProvider struct {
	noop.MeterProvider
	made map[string]string
}

func (p *namingMeterProvider) Meter(string, ...metric.MeterOption) metric.Meter {
	return namingMeter{made: p.made}
}

type namingMeter struct {
	noop.Meter
	made map[string]string
}

func (m namingMeter) Int64Counter(name string, opts ...metric.Int64CounterOption) (metric.Int64Counter, error) {
	m.made[name] = "counter " + metric.NewInt64CounterConfig(opts...).Unit()
	return noop.Int64Counter{}, nil
}

func (m namingMeter) Float64Counter(name string, opts ...metric.Float64CounterOption) (metric.Float64Counter, error) {
	m.made[name] = "counter " + metric.NewFloat64CounterConfig(opts...).Unit()
	return noop.Float64Counter{}, nil
}

func (m namingMeter) Int64UpDownCounter(name string, opts ...metric.Int64UpDownCounterOption) (metric.Int64UpDownCounter, error) {
	m.made[name] = "updowncounter " + metric.NewInt64UpDownCounterConfig(opts...).Unit()
	return noop.Int64UpDownCounter{}, nil
}

func (m namingMeter) Float64Histogram(name string, opts ...metric.Float64HistogramOption) (metric.Float64Histogram, error) {
	m.made[name] = "histogram " + metric.NewFloat64HistogramConfig(opts...).Unit()
	return noop.Float64Histogram{}, nil
}

func (m namingMeter) Float64ObservableGauge(name string, opts ...metric.Float64ObservableGaugeOption) (metric.Float64ObservableGauge, error) {
	m.made[name] = "gauge " + metric.NewFloat64ObservableGaugeConfig(opts...).Unit()
	return noop.Float64ObservableGauge{}, nil
}

func (m namingMeter) Float64ObservableCounter(name string, opts ...metric.Float64ObservableCounterOption) (metric.Float64ObservableCounter, error) {
	m.made[name] = "counter " + metric.NewFloat64ObservableCounterConfig(opts...).Unit()
	return noop.Float64ObservableCounter{}, nil
}
