package main

import (
	"fmt"
	"math"
	"strings"

	"github.com/strata-go/strata/fallback"
	"github.com/strata-go/strata/router"
)

// chart is an inline SVG chart as data: the template draws it, so every
// label goes through html/template's escaping.
type chart struct {
	Title         string
	Width, Height float64
	Rects         []rect
	Lines         []polyline
	Labels        []label
}

type rect struct {
	X, Y, W, H float64
	Fill       string
	Tip        string
}

type polyline struct {
	Points string
	Stroke string
	Tip    string
}

type label struct {
	X, Y   float64
	Text   string
	Anchor string // start, middle, end
	Fill   string
	Size   float64
	Bold   bool
}

// layerColors colour the layers, from the best (green) to the last resort
// (red).
var layerColors = map[fallback.Layer]string{
	fallback.LayerPrimary:     "#2f9e44",
	fallback.LayerSecondary:   "#94d82d",
	fallback.LayerCache:       "#1c7ed6",
	fallback.LayerStatistical: "#f59f00",
	fallback.LayerDefault:     "#e03131",
}

// statusColors colour the router's health statuses.
var statusColors = map[router.Status]string{
	router.Healthy:   "#2f9e44",
	router.Degraded:  "#fcc419",
	router.Unhealthy: "#fd7e14",
	router.Critical:  "#e03131",
}

// seriesColors colour per-provider lines.
var seriesColors = []string{"#1c7ed6", "#e8590c", "#2f9e44", "#ae3ec9", "#0c8599", "#c2255c", "#5c940d"}

// channelColors colour the plan's channels.
var channelColors = map[string]string{"search": "#1971c2", "social": "#c2255c", "display": "#5f3dc4"}

// Chart widths in CSS pixels: a chart is drawn at its size, shrinking
// only when the page is narrower.
const (
	fullWidth = 1040
	halfWidth = 480
)

const (
	textColor  = "#212529"
	mutedColor = "#868e96"
	gridColor  = "#dee2e6"
)

// layerShares is a 100% stacked bar of how many answers each layer gave,
// with a legend. counts is indexed by fallback.Layer.
func layerSharesChart(title string, width float64, counts [len(fallback.Layers) + 1]int) chart {
	c := chart{Title: title, Width: width, Height: 86}
	total := 0
	for _, l := range fallback.Layers {
		total += counts[l]
	}
	x, barW := 0.0, c.Width
	if total == 0 {
		c.Rects = append(c.Rects, rect{X: 0, Y: 8, W: barW, H: 34, Fill: gridColor, Tip: "no answers yet"})
	}
	for _, l := range fallback.Layers {
		n := counts[l]
		if total == 0 || n == 0 {
			continue
		}
		w := barW * float64(n) / float64(total)
		tip := fmt.Sprintf("%s: %d of %d answers (%.0f%%)", l, n, total, 100*float64(n)/float64(total))
		c.Rects = append(c.Rects, rect{X: x, Y: 8, W: w, H: 34, Fill: layerColors[l], Tip: tip})
		if w > 44 {
			c.Labels = append(c.Labels, label{X: x + w/2, Y: 30, Text: fmt.Sprintf("%.0f%%", 100*float64(n)/float64(total)), Anchor: "middle", Fill: "#fff", Size: 13, Bold: true})
		}
		x += w
	}
	legend(&c, 62)
	return c
}

// legend draws the layer legend at y.
func legend(c *chart, y float64) {
	x := 0.0
	for _, l := range fallback.Layers {
		c.Rects = append(c.Rects, rect{X: x, Y: y, W: 12, H: 12, Fill: layerColors[l], Tip: l.String()})
		c.Labels = append(c.Labels, label{X: x + 17, Y: y + 11, Text: l.String(), Anchor: "start", Fill: textColor, Size: 12})
		x += 17 + 8*float64(len(l.String())) + 22
	}
}

// dataTypeLayersChart is one 100% stacked bar per data type: where each
// kind of figure came from, over every resolve the snapshot counts.
func dataTypeLayersChart(title string, byType map[string]fallback.LayerShares, order []string) chart {
	const rowH, labelW = 26.0, 150.0
	c := chart{Title: title, Width: fullWidth}
	y := 0.0
	for _, name := range order {
		s, ok := byType[name]
		if !ok {
			continue
		}
		c.Labels = append(c.Labels, label{X: labelW - 8, Y: y + 17, Text: name, Anchor: "end", Fill: textColor, Size: 12})
		x, w := labelW, c.Width-labelW-50
		shares := [...]float64{0, s.Primary, s.Secondary, s.Cache, s.Statistical, s.Default}
		if s.Answered == 0 {
			c.Rects = append(c.Rects, rect{X: x, Y: y + 3, W: w, H: rowH - 6, Fill: gridColor, Tip: name + ": no answers yet"})
		}
		for _, l := range fallback.Layers {
			if s.Answered == 0 || shares[l] == 0 {
				continue
			}
			sw := w * shares[l]
			c.Rects = append(c.Rects, rect{X: x, Y: y + 3, W: sw, H: rowH - 6, Fill: layerColors[l],
				Tip: fmt.Sprintf("%s from %s: %.0f%% of %d", name, l, 100*shares[l], s.Answered)})
			x += sw
		}
		c.Labels = append(c.Labels, label{X: c.Width - 44, Y: y + 17, Text: fmt.Sprintf("%d", s.Answered), Anchor: "start", Fill: mutedColor, Size: 12})
		y += rowH
	}
	legend(&c, y+10)
	c.Height = y + 30
	return c
}

// budgetChart draws the plan's lines as horizontal bars, by channel
// colour, with their amounts.
func budgetChart(p plan) chart {
	const rowH, labelW = 24.0, 190.0
	c := chart{Title: "Budget split across channels and keywords", Width: fullWidth}
	var most int64 = 1
	for _, l := range p.Lines {
		most = max(most, l.Cents)
	}
	for i, l := range p.Lines {
		y := float64(i) * rowH
		w := (c.Width - labelW - 110) * float64(l.Cents) / float64(most)
		fill := channelColors[l.Channel]
		if fill == "" {
			fill = seriesColors[0]
		}
		c.Labels = append(c.Labels, label{X: labelW - 8, Y: y + 16, Text: l.Channel + " · " + l.Keyword, Anchor: "end", Fill: textColor, Size: 12})
		c.Rects = append(c.Rects, rect{X: labelW, Y: y + 3, W: math.Max(w, 1), H: rowH - 6, Fill: fill,
			Tip: fmt.Sprintf("%s · %s: %s, %s conversions (%s–%s)", l.Channel, l.Keyword, money(l.Amount()), count(l.Conversions), count(l.ConvLo), count(l.ConvHi))})
		c.Labels = append(c.Labels, label{X: labelW + w + 6, Y: y + 16, Text: money(l.Amount()), Anchor: "start", Fill: textColor, Size: 12})
	}
	c.Height = float64(len(p.Lines))*rowH + 4
	return c
}

// costChart draws the data cost against the data budget.
func costChart(cost, budget float64) chart {
	c := chart{Title: "Cost of the data against its budget", Width: halfWidth, Height: 58}
	w := c.Width
	c.Rects = append(c.Rects, rect{X: 0, Y: 4, W: w, H: 26, Fill: gridColor, Tip: "data budget " + money(budget)})
	frac := 0.0
	if budget > 0 {
		frac = math.Min(cost/budget, 1)
	}
	fill := "#2f9e44"
	switch {
	case frac > 0.9:
		fill = "#e03131"
	case frac > 0.6:
		fill = "#f59f00"
	}
	c.Rects = append(c.Rects, rect{X: 0, Y: 4, W: math.Max(w*frac, 1), H: 26, Fill: fill, Tip: fmt.Sprintf("spent %s (%.0f%%)", dollars3(cost), 100*frac)})
	c.Labels = append(c.Labels, label{X: 0, Y: 50, Text: fmt.Sprintf("spent %s of %s (%.0f%%)", dollars3(cost), money(budget), 100*frac), Anchor: "start", Fill: textColor, Size: 13})
	return c
}

// layerMixChart draws, for each second of the history, the mix of layers
// that answered during that second (a stacked column), so a fallback shows
// as a change of colour.
func layerMixChart(hist []sample) chart {
	c := chart{Title: "Answers by layer, per second", Width: fullWidth, Height: 150}
	const plotH = 110.0
	colW := c.Width / float64(max(len(hist)-1, 1))
	for i := 1; i < len(hist); i++ {
		var d [len(fallback.Layers) + 1]int64
		var total int64
		for _, l := range fallback.Layers {
			d[l] = max(hist[i].Layers[l]-hist[i-1].Layers[l], 0)
			total += d[l]
		}
		x := float64(i-1) * colW
		if total == 0 {
			continue
		}
		y := plotH
		for _, l := range fallback.Layers {
			if d[l] == 0 {
				continue
			}
			h := plotH * float64(d[l]) / float64(total)
			y -= h
			c.Rects = append(c.Rects, rect{X: x, Y: y, W: math.Max(colW-0.5, 0.5), H: h, Fill: layerColors[l],
				Tip: fmt.Sprintf("%ds ago: %s %d of %d", len(hist)-1-i, l, d[l], total)})
		}
	}
	c.Rects = append(c.Rects, rect{X: 0, Y: plotH, W: c.Width, H: 1, Fill: gridColor})
	legend(&c, plotH+16)
	return c
}

// latencyChart draws each provider's p95 latency over the history.
func latencyChart(hist []sample) chart {
	c := chart{Title: "Provider p95 latency over time (ms)", Width: fullWidth, Height: 180}
	const plotH, left = 130.0, 44.0
	top := 1.0
	for _, s := range hist {
		for _, p := range s.Providers {
			top = math.Max(top, p.P95Ms)
		}
	}
	top = niceCeil(top)
	for _, f := range []float64{0, 0.5, 1} {
		y := plotH - plotH*f + 4
		c.Rects = append(c.Rects, rect{X: left, Y: y, W: c.Width - left, H: 1, Fill: gridColor})
		c.Labels = append(c.Labels, label{X: left - 6, Y: y + 4, Text: fmt.Sprintf("%.0f", top*f), Anchor: "end", Fill: mutedColor, Size: 11})
	}
	names := providerNames(hist)
	step := (c.Width - left) / float64(max(len(hist)-1, 1))
	for k, name := range names {
		var pts []string
		last := 0.0
		for i, s := range hist {
			for _, p := range s.Providers {
				if p.Name == name {
					x := left + float64(i)*step
					y := plotH - plotH*p.P95Ms/top + 4
					pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
					last = p.P95Ms
				}
			}
		}
		color := seriesColors[k%len(seriesColors)]
		if len(pts) == 1 {
			pts = append(pts, pts[0]) // a dot needs two points
		}
		c.Lines = append(c.Lines, polyline{Points: strings.Join(pts, " "), Stroke: color, Tip: fmt.Sprintf("%s: p95 %.0fms now", name, last)})
		lx := left + float64(k%4)*150
		ly := plotH + 22 + float64(k/4)*18
		c.Rects = append(c.Rects, rect{X: lx, Y: ly - 9, W: 12, H: 4, Fill: color})
		c.Labels = append(c.Labels, label{X: lx + 17, Y: ly - 4, Text: fmt.Sprintf("%s (%.0fms)", name, last), Anchor: "start", Fill: textColor, Size: 12})
	}
	c.Height = plotH + 30 + float64((len(names)+3)/4)*18
	return c
}

// statusChart draws each provider's health status over the history, one
// row per provider, one cell per second.
func statusChart(hist []sample) chart {
	const rowH, labelW = 22.0, 110.0
	c := chart{Title: "Provider status over time", Width: fullWidth}
	names := providerNames(hist)
	cellW := (c.Width - labelW) / float64(max(len(hist), 1))
	for k, name := range names {
		y := float64(k) * rowH
		c.Labels = append(c.Labels, label{X: labelW - 8, Y: y + 15, Text: name, Anchor: "end", Fill: textColor, Size: 12})
		for i, s := range hist {
			for _, p := range s.Providers {
				if p.Name != name {
					continue
				}
				fill := statusColors[p.Status]
				if p.Breaker == "open" {
					fill = "#495057" // breaker open: not called at all
				}
				c.Rects = append(c.Rects, rect{X: labelW + float64(i)*cellW, Y: y + 2, W: math.Max(cellW-0.3, 0.5), H: rowH - 4, Fill: fill,
					Tip: fmt.Sprintf("%s %ds ago: %s, breaker %s", name, len(hist)-1-i, p.Status, p.Breaker)})
			}
		}
	}
	y := float64(len(names))*rowH + 8
	x := 0.0
	for _, st := range []router.Status{router.Healthy, router.Degraded, router.Unhealthy, router.Critical} {
		c.Rects = append(c.Rects, rect{X: x, Y: y, W: 12, H: 12, Fill: statusColors[st]})
		c.Labels = append(c.Labels, label{X: x + 17, Y: y + 11, Text: st.String(), Anchor: "start", Fill: textColor, Size: 12})
		x += 17 + 8*float64(len(st.String())) + 22
	}
	c.Rects = append(c.Rects, rect{X: x, Y: y, W: 12, H: 12, Fill: "#495057"})
	c.Labels = append(c.Labels, label{X: x + 17, Y: y + 11, Text: "breaker open", Anchor: "start", Fill: textColor, Size: 12})
	c.Height = y + 20
	return c
}

func providerNames(hist []sample) []string {
	if len(hist) == 0 {
		return nil
	}
	var names []string
	for _, p := range hist[len(hist)-1].Providers {
		names = append(names, p.Name)
	}
	return names
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}
