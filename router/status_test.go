package router

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStatusThresholdsBoundaries(t *testing.T) {
	def := StatusThresholds{}
	custom := StatusThresholds{Healthy: 0.8, Degraded: 0.6, Unhealthy: 0.4}
	tests := []struct {
		th    StatusThresholds
		score float64
		want  Status
	}{
		{def, 1, Healthy},
		{def, 0.9, Healthy},
		{def, math.Nextafter(0.9, 0), Degraded},
		{def, 0.7, Degraded},
		{def, math.Nextafter(0.7, 0), Unhealthy},
		{def, 0.5, Unhealthy},
		{def, math.Nextafter(0.5, 0), Critical},
		{def, 0, Critical},
		{def, -1, Critical},
		{def, math.NaN(), Critical},
		{custom, 0.85, Healthy},
		{custom, 0.8, Healthy},
		{custom, 0.79, Degraded},
		{custom, 0.6, Degraded},
		{custom, 0.59, Unhealthy},
		{custom, 0.4, Unhealthy},
		{custom, 0.39, Critical},
		{StatusThresholds{Healthy: 0.95}, 0.92, Degraded}, // other fields default
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.th.Status(tt.score), "thresholds %+v score %v", tt.th, tt.score)
	}
}

func TestStatusText(t *testing.T) {
	for _, s := range []Status{Healthy, Degraded, Unhealthy, Critical} {
		b, err := s.MarshalText()
		require.NoError(t, err)
		assert.Equal(t, s.String(), string(b))
		var back Status
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, s, back)
	}
	assert.Equal(t, []string{"HEALTHY", "DEGRADED", "UNHEALTHY", "CRITICAL"},
		[]string{Healthy.String(), Degraded.String(), Unhealthy.String(), Critical.String()})
	assert.Equal(t, "STATUS(9)", Status(9).String())
	_, err := Status(9).MarshalText()
	assert.Error(t, err)
	_, err = ParseStatus("healthy")
	assert.Error(t, err)

	b, err := json.Marshal(map[string]Status{"a": Degraded})
	require.NoError(t, err)
	assert.JSONEq(t, `{"a":"DEGRADED"}`, string(b))
}
