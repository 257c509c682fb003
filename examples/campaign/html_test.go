package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"
)

// doc is a parsed HTML document with the lookups the tests need.
type doc struct{ root *html.Node }

func parseHTML(t *testing.T, b []byte) doc {
	t.Helper()
	root, err := html.Parse(bytes.NewReader(b))
	require.NoError(t, err)
	return doc{root}
}

// all returns the elements named tag (in any namespace) for which keep
// is true, in document order.
func (d doc) all(tag string, keep func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == tag && (keep == nil || keep(n)) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(d.root)
	return out
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasClass(class string) func(*html.Node) bool {
	return func(n *html.Node) bool {
		return strings.Contains(" "+attr(n, "class")+" ", " "+class+" ")
	}
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// svgNamed returns the inline SVG whose aria-label is label.
func (d doc) svgNamed(t *testing.T, label string) *html.Node {
	t.Helper()
	svgs := d.all("svg", func(n *html.Node) bool { return attr(n, "aria-label") == label })
	require.Len(t, svgs, 1, "one chart %q", label)
	require.Equal(t, "svg", svgs[0].Namespace, "parsed as SVG")
	return svgs[0]
}

func countIn(n *html.Node, tag string) int {
	return len(doc{n}.all(tag, nil))
}

// checkSelfContained asserts the page needs nothing but itself: no
// scripts, no external resources, no event handlers.
func checkSelfContained(t *testing.T, d doc) {
	t.Helper()
	assert.Empty(t, d.all("script", nil), "no scripts")
	assert.Empty(t, d.all("link", nil), "no linked resources")
	assert.Empty(t, d.all("img", nil), "charts are inline SVG")
	for _, tag := range []string{"a", "rect", "svg", "td", "div", "text", "polyline"} {
		for _, n := range d.all(tag, nil) {
			for _, a := range n.Attr {
				assert.False(t, strings.HasPrefix(a.Key, "on"), "no event handler attribute %s", a.Key)
				if a.Key == "href" || a.Key == "src" {
					assert.True(t, strings.HasPrefix(a.Val, "/") || strings.HasPrefix(a.Val, "#"), "local link only: %s", a.Val)
				}
			}
		}
	}
}

func TestHTMLReport(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.html")
	out := runText(t, "-html", path)
	assert.Contains(t, out, "HTML report written to "+path)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(b, []byte("<!DOCTYPE html>")))
	d := parseHTML(t, b)
	checkSelfContained(t, d)

	titles := d.all("title", func(n *html.Node) bool { return n.Namespace == "" })
	require.Len(t, titles, 1)
	assert.Equal(t, "Campaign plan: retail in US, month 11", text(titles[0]))

	// The plan: a header, 8 lines and the total, whose amount is the
	// budget.
	plans := d.all("table", hasClass("plan"))
	require.Len(t, plans, 1)
	rows := doc{plans[0]}.all("tr", nil)
	require.Len(t, rows, 1+8+1)
	cells := doc{rows[1]}.all("td", nil)
	assert.Equal(t, "search", text(cells[0]))
	assert.Equal(t, "running shoes", text(cells[1]))
	assert.Equal(t, "$1,343.32", text(cells[2]))
	total := doc{rows[9]}.all("td", nil)
	assert.Equal(t, "total", text(total[0]))
	assert.Equal(t, "$10,000.00", text(total[2]))

	// The charts: where the budget goes, where the answers came from
	// (layer shares, overall and per data type), the data cost.
	budget := d.svgNamed(t, "Budget split across channels and keywords")
	assert.Equal(t, 8, countIn(budget, "rect"), "one bar per line")
	layers := d.svgNamed(t, "Answers of this plan by layer")
	var tips []string
	for _, title := range (doc{layers}).all("title", nil) {
		tips = append(tips, text(title))
	}
	assert.Contains(t, tips, "primary: 19 of 21 answers (90%)")
	assert.Contains(t, tips, "secondary: 2 of 21 answers (10%)")
	byType := d.svgNamed(t, "Answers by data type and layer")
	assert.Contains(t, text(byType), "seasonality_index")
	cost := d.svgNamed(t, "Cost of the data against its budget")
	assert.Contains(t, text(cost), "spent $0.316 of $1.00 (32%)")

	// Provider health: one row per provider with its status and breaker.
	providers := d.all("table", hasClass("providers"))
	require.Len(t, providers, 1)
	prow := doc{providers[0]}.all("tr", nil)
	require.Len(t, prow, 1+4)
	assert.Equal(t, "ads_api", text(doc{prow[1]}.all("td", nil)[0]))
	assert.Contains(t, text(providers[0]), "closed")

	// One data-quality line per figure.
	figs := d.all("table", hasClass("figures"))
	require.Len(t, figs, 1)
	assert.Len(t, doc{figs[0]}.all("tr", nil), 1+21)
	assert.Contains(t, text(figs[0]), "benchmarks")
	assert.Contains(t, text(figs[0]), "ads_api failed (permanent)")
}

func TestHTMLReportDegraded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.html")
	runText(t, "-html", path, "-outage", "all", "-history", "30")
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	d := parseHTML(t, b)
	checkSelfContained(t, d)
	layers := d.svgNamed(t, "Answers of this plan by layer")
	assert.Contains(t, text(layers), "100%")
	assert.Contains(t, string(b), `fill="#f59f00"`, "the statistical layer's colour")
	assert.Contains(t, text(d.root), "Injected faults: ads_api, analytics, market_data, benchmarks down.")
}

func TestHTMLEscapesBriefText(t *testing.T) {
	// Keywords are the user's text: they reach the page escaped, in the
	// tables and in the SVG labels alike.
	synctest.Test(t, func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "report.html")
		var out bytes.Buffer
		require.NoError(t, run(t.Context(), []string{"-html", path, "-keywords", `<script>alert(1)</script>,a&b`}, &out))
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.NotContains(t, string(b), "<script>")
		d := parseHTML(t, b)
		assert.Empty(t, d.all("script", nil))
		budget := d.svgNamed(t, "Budget split across channels and keywords")
		assert.Contains(t, text(budget), "search · <script>alert(1)</script>")
		assert.Contains(t, text(budget), "social · a&b")
	})
}
