package main

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/strata-go/strata/fallback"
)

// money formats an amount with thousands separators: "$10,000.00".
func money(v float64) string {
	neg := v < 0
	cents := int64(math.Round(math.Abs(v) * 100))
	s := "$" + thousands(cents/100) + fmt.Sprintf(".%02d", cents%100)
	if neg {
		s = "-" + s
	}
	return s
}

// count formats an expected count: whole numbers with separators from 100
// up, one decimal below.
func count(v float64) string {
	if math.Abs(v) >= 100 {
		s := thousands(int64(math.Round(math.Abs(v))))
		if v < 0 {
			s = "-" + s
		}
		return s
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

// thousands formats n ≥ 0 with commas.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// pct formats a fraction as a percentage.
func pct(v float64, decimals int) string {
	return strconv.FormatFloat(100*v, 'f', decimals, 64) + "%"
}

// formatValue formats a figure's value by its data type.
func formatValue(dataType string, v float64) string {
	switch dataType {
	case "cpc", "sector_price":
		return "$" + strconv.FormatFloat(v, 'f', 2, 64)
	case "ctr", "conversion_rate":
		return pct(v, 2)
	case "market_growth":
		return fmt.Sprintf("%+.1f%%", 100*v)
	case "competitor_spend":
		return "$" + thousands(int64(math.Round(math.Max(v, 0))))
	case "seasonality_index":
		return "×" + strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// formatSpan formats a figure's range like its value.
func formatSpan(dataType string, lo, hi float64) string {
	return formatValue(dataType, lo) + "–" + formatValue(dataType, hi)
}

// formatParams writes params in name order: "channel=search keyword=shoes".
func formatParams(p fallback.Params) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + p[k]
	}
	return strings.Join(parts, " ")
}

// paramValues writes params' values in name order, for narrow tables:
// "search, running shoes, us".
func paramValues(p fallback.Params) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	vals := make([]string, len(keys))
	for i, k := range keys {
		vals[i] = p[k]
	}
	return strings.Join(vals, ", ")
}

// formatAge formats how old a value is: "now" under a minute, then the
// largest whole unit ("5m", "3h", "2d").
func formatAge(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "now"
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d/time.Hour))
	default:
		return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
	}
}

// tried describes only what failed or was skipped before the answer
// ("" when the first source tried answered).
func tried(f figure) string {
	t := trail(f)
	if i := strings.LastIndex(t, " → "); i >= 0 && f.Err == nil {
		return t[:i]
	}
	if f.Err == nil {
		return ""
	}
	return t
}

// trail describes what a resolve tried before its answer:
// "ads_api failed (permanent) → benchmarks (secondary)".
func trail(f figure) string {
	var parts []string
	for _, a := range f.Result.Attempts {
		switch a.Outcome {
		case fallback.Failed:
			parts = append(parts, fmt.Sprintf("%s failed (%s)", a.Provider, a.Class))
		case fallback.Skipped:
			parts = append(parts, fmt.Sprintf("%s skipped (%s)", a.Provider, a.Skip))
		case fallback.Lost:
			parts = append(parts, a.Provider+" hedge lost")
		}
	}
	parts = compress(parts)
	if f.Err != nil {
		return strings.Join(append(parts, "no answer: "+f.Err.Error()), " → ")
	}
	return strings.Join(append(parts, fmt.Sprintf("%s (%s)", f.Result.Source, f.Result.Layer)), " → ")
}

// compress folds repeats: "a failed (transient) ×3".
func compress(parts []string) []string {
	var out []string
	for i := 0; i < len(parts); {
		j := i
		for j < len(parts) && parts[j] == parts[i] {
			j++
		}
		if n := j - i; n > 1 {
			out = append(out, fmt.Sprintf("%s ×%d", parts[i], n))
		} else {
			out = append(out, parts[i])
		}
		i = j
	}
	return out
}

// layerSummary lists the counts by layer: "primary 19, secondary 2".
func layerSummary(c [len(fallback.Layers) + 1]int) string {
	var parts []string
	for _, l := range fallback.Layers {
		if c[l] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", l, c[l]))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// table writes rows as aligned columns two spaces apart; the columns
// marked in right are right-aligned (numbers), the others left-aligned.
// Widths count runes, so "×" and "–" align like any letter.
func table(w io.Writer, rows [][]string, right []bool) error {
	var widths []int
	for _, r := range rows {
		for i, c := range r {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		var line strings.Builder
		for i, c := range r {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if i > 0 {
				line.WriteString("  ")
			}
			if i < len(right) && right[i] {
				line.WriteString(pad + c)
			} else {
				line.WriteString(c + pad)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
