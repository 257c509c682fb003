package prometheus

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/fallback"
)

// badNames is a snapshot from a Snapshotter of the host's own, with names
// that are not valid label values (invalid UTF-8).
var badNames = fixed{
	Providers: []fallback.ProviderSnapshot{
		{Name: "ads\xff", Tier: fallback.Primary, Breaker: "closed"},
		{Name: "bench", Tier: fallback.Secondary, Breaker: "closed", Health: 0.5,
			CostByDataType: map[string]float64{"cpc\xfe": 1, "ctr": 2}},
	},
	Overall: fallback.OverallSnapshot{ForecastFits: 4},
}

// Collect never panics: a figure whose label value is invalid is sent as
// an invalid metric, and every other figure as usual.
func TestCollectorCollectsInvalidLabelValuesWithoutPanicking(t *testing.T) {
	ch := make(chan prometheus.Metric, 1024)
	require.NotPanics(t, func() { NewCollector(badNames).Collect(ch) })
	close(ch)
	var valid, invalid int
	for m := range ch {
		var out dto.Metric
		if err := m.Write(&out); err != nil {
			assert.Contains(t, err.Error(), "UTF-8")
			invalid++
			continue
		}
		valid++
	}
	// ads: health, 4 statuses, 3 breaker states, trips, success, quality,
	// uptime, 3 percentiles; bench's cost for cpc\xfe.
	assert.Equal(t, 1+4+3+1+3+3+1, invalid)
	// bench's 15 and its cost for ctr, 3 projections, 7 overall.
	assert.Equal(t, 15+1+3+7, valid)
}

// A scrape with invalid label values fails with an error that names
// them, and keeps every other figure (promhttp.HandlerOpts.ErrorHandling
// says whether they are served).
func TestCollectorGathersAroundInvalidLabelValues(t *testing.T) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(NewCollector(badNames))
	mfs, err := reg.Gather()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "UTF-8")
	assert.Contains(t, err.Error(), `"ads\xff"`, "names the value")
	assert.Contains(t, err.Error(), `"cpc\xfe"`, "names the value")
	assert.NotContains(t, err.Error(), "panic")
	got := map[string][]string{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var labels string
			for _, l := range m.GetLabel() {
				labels += l.GetName() + "=" + l.GetValue() + " "
			}
			got[mf.GetName()] = append(got[mf.GetName()], labels)
		}
	}
	assert.Equal(t, []string{"provider=bench tier=secondary "}, got["strata_provider_health"], "ads's is invalid, bench's kept")
	assert.Equal(t, []string{"data_type=ctr provider=bench "}, got["strata_cost_total"])
	assert.Len(t, got["strata_forecast_fits_total"], 1)
}

// panicking is a Snapshotter of the host's own that panics: one wrapping
// a nil *fallback.Resolver, say.
type panicking struct{ r *fallback.Resolver }

func (p panicking) Snapshot() fallback.Snapshot { return p.r.Snapshot() }

// Collect never panics, also when the Snapshotter does: the registry runs
// Collect in a goroutine of its own, where a panic ended the process. The
// scrape's Gather returns an error saying so, with every other
// collector's figures.
func TestCollectorTurnsAPanickingSnapshotterIntoAnError(t *testing.T) {
	ch := make(chan prometheus.Metric, 16)
	require.NotPanics(t, func() { NewCollector(panicking{}).Collect(ch) })
	close(ch)
	var invalid int
	for m := range ch {
		var out dto.Metric
		err := m.Write(&out)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "Snapshot panicked")
		invalid++
	}
	assert.Equal(t, 1, invalid)

	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(NewCollector(panicking{})))
	other := prometheus.NewGauge(prometheus.GaugeOpts{Name: "other", Help: "another collector's figure"})
	other.Set(3)
	require.NoError(t, reg.Register(other))
	mfs, err := reg.Gather()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Snapshot panicked")
	require.Len(t, mfs, 1)
	assert.Equal(t, "other", mfs[0].GetName())
}
