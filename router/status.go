package router

import (
	"fmt"
	"strconv"
)

// Status grades a provider's health score against StatusThresholds. The
// constants are ordered from best to worst, so a larger Status is worse.
// The zero Status is Healthy.
type Status uint8

// The statuses, best first.
const (
	// Healthy: score ≥ Thresholds.Healthy (0.9 by default).
	Healthy Status = iota
	// Degraded: score ≥ Thresholds.Degraded (0.7 by default).
	Degraded
	// Unhealthy: score ≥ Thresholds.Unhealthy (0.5 by default).
	Unhealthy
	// Critical: any lower score.
	Critical

	numStatuses
)

var statusNames = [numStatuses]string{"HEALTHY", "DEGRADED", "UNHEALTHY", "CRITICAL"}

// String returns the status's upper-case name ("DEGRADED").
func (s Status) String() string {
	if s < numStatuses {
		return statusNames[s]
	}
	return "STATUS(" + strconv.Itoa(int(s)) + ")"
}

// MarshalText encodes the status as its name ("HEALTHY", "DEGRADED",
// "UNHEALTHY", "CRITICAL").
func (s Status) MarshalText() ([]byte, error) {
	if s >= numStatuses {
		return nil, fmt.Errorf("router: unknown status %d", s)
	}
	return []byte(statusNames[s]), nil
}

// UnmarshalText decodes a name written by MarshalText.
func (s *Status) UnmarshalText(b []byte) error {
	v, err := ParseStatus(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// ParseStatus returns the status named s ("HEALTHY", "DEGRADED",
// "UNHEALTHY" or "CRITICAL").
func ParseStatus(s string) (Status, error) {
	for i, n := range statusNames {
		if n == s {
			return Status(i), nil
		}
	}
	return 0, fmt.Errorf("router: unknown status %q (want one of HEALTHY, DEGRADED, UNHEALTHY, CRITICAL)", s)
}

// Status grades a health score: Healthy when score ≥ t.Healthy, Degraded
// when ≥ t.Degraded, Unhealthy when ≥ t.Unhealthy, else Critical. A zero
// field of t means its default; t is not otherwise validated. A NaN score
// is Critical.
func (t StatusThresholds) Status(score float64) Status {
	if t.Healthy == 0 {
		t.Healthy = DefaultHealthyThreshold
	}
	if t.Degraded == 0 {
		t.Degraded = DefaultDegradedThreshold
	}
	if t.Unhealthy == 0 {
		t.Unhealthy = DefaultUnhealthyThreshold
	}
	switch {
	case score >= t.Healthy:
		return Healthy
	case score >= t.Degraded:
		return Degraded
	case score >= t.Unhealthy:
		return Unhealthy
	default:
		return Critical
	}
}
