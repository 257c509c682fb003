package worldbank

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestParseDate(t *testing.T) {
	good := map[string]time.Time{
		"2023":    time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC),
		"2024M01": time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		"2024M12": time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC),
		"2023Q1":  time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC),
		"2023Q4":  time.Date(2023, 10, 1, 0, 0, 0, 0, time.UTC),
	}
	for s, want := range good {
		got, err := parseDate(s)
		if assert.NoError(t, err, s) {
			assert.Equal(t, want, got, s)
		}
	}
	for _, s := range []string{"", "202", "20x3", "+023", "-023", "2023M", "2023M13", "2023M00", "2023M+1", "2023Q0", "2023Q5", "2023Q12", "2023-01", "2023 ", "YTD"} {
		got, err := parseDate(s)
		assert.Error(t, err, "parseDate(%q) = %v", s, got)
	}
}
