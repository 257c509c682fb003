package prometheus

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// README: "Every metric is listed in docs/telemetry.md". The Prometheus
// section's tables name each metric the Observer and the Collector
// describe, with its labels, and nothing else.
func TestEveryMetricIsListedInTheDocs(t *testing.T) {
	page, err := os.ReadFile("../docs/telemetry.md")
	require.NoError(t, err)
	_, section, ok := strings.Cut(string(page), "\n## Prometheus\n")
	require.True(t, ok, "docs/telemetry.md has a Prometheus section")
	section, _, _ = strings.Cut(section, "\n## ")
	row := regexp.MustCompile("(?m)^\\| `(strata_[a-z_]+)` \\| [a-z]+ \\| ([^|]*) \\|")
	word := regexp.MustCompile("`([a-z_]+)`")
	documented := map[string][]string{}
	for _, m := range row.FindAllStringSubmatch(section, -1) {
		labels := []string{}
		for _, l := range word.FindAllStringSubmatch(m[2], -1) {
			labels = append(labels, l[1])
		}
		documented[m[1]] = labels
	}

	ch := make(chan *prometheus.Desc, 64)
	NewObserver().Describe(ch)
	NewCollector(fixed{}).Describe(ch)
	close(ch)
	desc := regexp.MustCompile(`fqName: "([a-z_]+)".*variableLabels: \{([a-z_,]*)\}`)
	described := map[string][]string{}
	for d := range ch {
		m := desc.FindStringSubmatch(d.String())
		require.NotNil(t, m, "%s", d)
		labels := []string{}
		if m[2] != "" {
			labels = strings.Split(m[2], ",")
		}
		described[m[1]] = labels
	}
	require.NotEmpty(t, described)
	assert.Equal(t, described, documented, "the metrics and their labels, as described and as docs/telemetry.md lists them")
}
