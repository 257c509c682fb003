package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// brief is what the campaign is for: the input of a generation.
type brief struct {
	Industry string   `yaml:"industry" json:"industry"`
	Market   string   `yaml:"market" json:"market"`
	Month    string   `yaml:"month" json:"month"`
	Budget   float64  `yaml:"budget" json:"budget"`
	Channels []string `yaml:"channels" json:"channels"`
	Keywords []string `yaml:"keywords" json:"keywords"`
	Goal     string   `yaml:"goal" json:"goal"`
}

// The goals a plan can optimise: what a line's weight measures per dollar.
const (
	goalConversions = "conversions"
	goalClicks      = "clicks"
	goalImpressions = "impressions"
)

// Limits that keep one generation's data cost bounded: every (channel,
// keyword) line costs two figures.
const (
	maxChannels = 3
	maxKeywords = 25
	maxBudget   = 1e9
)

// defaultBrief is the brief of a run without flags or file: the one the
// README shows.
func defaultBrief() brief {
	return brief{
		Industry: "retail",
		Market:   "us",
		Month:    "11",
		Budget:   10000,
		Channels: []string{"search", "social"},
		Keywords: []string{"running shoes", "trail shoes", "hiking boots", "walking shoes"},
		Goal:     goalConversions,
	}
}

// loadBrief reads a brief from a YAML or JSON file (JSON is YAML) over
// base: the fields the file sets replace base's, strictly — an unknown
// field is an error.
func loadBrief(path string, base brief) (brief, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return brief{}, fmt.Errorf("brief: %w", err)
	}
	return parseBrief(data, base)
}

// parseBrief decodes data over base.
func parseBrief(data []byte, base brief) (brief, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	b := base
	if err := dec.Decode(&b); err != nil && !errors.Is(err, io.EOF) {
		return brief{}, fmt.Errorf("brief: %w", err)
	}
	return b, nil
}

// check validates what the resolver does not: the brief's shape. The
// params themselves (market code, month, keyword length) are checked by
// the resolver's schema before any figure is resolved.
func (b *brief) check() error {
	switch {
	case math.IsNaN(b.Budget) || b.Budget < 0.01 || b.Budget > maxBudget:
		return fmt.Errorf("brief: budget: want between 0.01 and %.0f, got %v", float64(maxBudget), b.Budget)
	case len(b.Channels) == 0:
		return errors.New("brief: channels: none given")
	case len(b.Channels) > maxChannels:
		return fmt.Errorf("brief: channels: at most %d, got %d", maxChannels, len(b.Channels))
	case len(b.Keywords) == 0:
		return errors.New("brief: keywords: none given")
	case len(b.Keywords) > maxKeywords:
		return fmt.Errorf("brief: keywords: at most %d, got %d", maxKeywords, len(b.Keywords))
	}
	switch b.Goal {
	case goalConversions, goalClicks, goalImpressions:
	default:
		return fmt.Errorf("brief: goal: want conversions, clicks or impressions, got %q", b.Goal)
	}
	if d := firstDuplicate(b.Channels); d != "" {
		return fmt.Errorf("brief: channels: %q given twice", d)
	}
	if d := firstDuplicate(b.Keywords); d != "" {
		return fmt.Errorf("brief: keywords: %q given twice", d)
	}
	return nil
}

func firstDuplicate(list []string) string {
	seen := make(map[string]bool, len(list))
	for _, s := range list {
		if seen[s] {
			return s
		}
		seen[s] = true
	}
	return ""
}

// splitList splits a comma-separated flag value, trimming blanks.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
