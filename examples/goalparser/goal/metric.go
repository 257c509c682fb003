package goal

import (
	"slices"
	"strings"
)

// Kind is what a metric measures. It fixes how the amounts of a goal on
// that metric are read and stored.
type Kind string

// The kinds of metric.
const (
	// KindCount is a number of things (leads, sessions, followers). Its
	// absolute amounts are counts.
	KindCount Kind = "count"
	// KindRate is a percentage between 0 and 100 (CTR, conversion rate).
	// Its absolute amounts are in percent: a target of 3 means 3%, and an
	// absolute change of 0.5 means half a percentage point.
	KindRate Kind = "rate"
	// KindRatio is a multiple (ROAS, ROI). Its absolute amounts are the
	// ratio itself: 4 means 4x, and "400%" is stored as 4.
	KindRatio Kind = "ratio"
	// KindMoney is an amount of money (CPA, revenue). Its absolute amounts
	// are in the goal's Currency.
	KindMoney Kind = "money"
)

// Metric describes one canonical metric the parser knows.
type Metric struct {
	// Name is the canonical name, such as "cpa" or "qualified_leads". It is
	// the value of Goal.Metric, and the data type a caller resolves
	// benchmarks for.
	Name string
	// Kind is what the metric measures.
	Kind Kind
	// LowerIsBetter is true for costs and losses (CPA, CPC, spend, bounce
	// rate, churn) and false for everything else.
	LowerIsBetter bool
	// Aliases are the phrasings that name the metric, lowercase and in the
	// singular; the parser also accepts their plurals and hyphenated forms
	// ("sign-ups" for "sign up").
	Aliases []string
}

// metrics is the table behind Metrics and the parser. Keep it sorted by Name.
var metrics = []Metric{
	{Name: "aov", Kind: KindMoney, Aliases: []string{"aov", "average order value", "order value", "basket size"}},
	{Name: "arr", Kind: KindMoney, Aliases: []string{"arr", "annual recurring revenue"}},
	{Name: "bounce_rate", Kind: KindRate, LowerIsBetter: true, Aliases: []string{"bounce rate", "bounce"}},
	{Name: "cac", Kind: KindMoney, LowerIsBetter: true, Aliases: []string{"cac", "customer acquisition cost"}},
	{Name: "churn_rate", Kind: KindRate, LowerIsBetter: true, Aliases: []string{"churn rate", "churn", "customer churn"}},
	{Name: "clicks", Kind: KindCount, Aliases: []string{"click"}},
	{Name: "conversion_rate", Kind: KindRate, Aliases: []string{"conversion rate", "conv rate", "cvr", "cr"}},
	{Name: "conversions", Kind: KindCount, Aliases: []string{"conversion", "acquisition", "goal completion"}},
	{Name: "cpa", Kind: KindMoney, LowerIsBetter: true, Aliases: []string{"cpa", "cost per acquisition", "cost per conversion", "cost per action", "cost per sale"}},
	{Name: "cpc", Kind: KindMoney, LowerIsBetter: true, Aliases: []string{"cpc", "cost per click"}},
	{Name: "cpl", Kind: KindMoney, LowerIsBetter: true, Aliases: []string{"cpl", "cost per lead"}},
	{Name: "cpm", Kind: KindMoney, LowerIsBetter: true, Aliases: []string{"cpm", "cost per mille", "cost per thousand", "cost per thousand impressions"}},
	{Name: "ctr", Kind: KindRate, Aliases: []string{"ctr", "click through rate", "clickthrough rate", "click rate"}},
	{Name: "customers", Kind: KindCount, Aliases: []string{"customer", "new customer", "paying customer", "client"}},
	{Name: "demos", Kind: KindCount, Aliases: []string{"demo", "demo request", "booked demo", "demo booking"}},
	{Name: "engagement_rate", Kind: KindRate, Aliases: []string{"engagement rate", "engagement"}},
	{Name: "followers", Kind: KindCount, Aliases: []string{"follower", "fan"}},
	{Name: "impressions", Kind: KindCount, Aliases: []string{"impression"}},
	{Name: "installs", Kind: KindCount, Aliases: []string{"install", "app install", "download", "app download"}},
	{Name: "leads", Kind: KindCount, Aliases: []string{"lead", "inquiry", "enquiry"}},
	{Name: "ltv", Kind: KindMoney, Aliases: []string{"ltv", "clv", "lifetime value", "customer lifetime value"}},
	{Name: "mrr", Kind: KindMoney, Aliases: []string{"mrr", "monthly recurring revenue"}},
	{Name: "open_rate", Kind: KindRate, Aliases: []string{"open rate", "email open rate"}},
	{Name: "orders", Kind: KindCount, Aliases: []string{"order", "purchase", "transaction"}},
	{Name: "organic_traffic", Kind: KindCount, Aliases: []string{"organic traffic", "organic visit", "organic visitor", "organic session", "organic search traffic", "seo traffic", "search traffic"}},
	{Name: "page_views", Kind: KindCount, Aliases: []string{"page view", "pageview"}},
	{Name: "qualified_leads", Kind: KindCount, Aliases: []string{"qualified lead", "marketing qualified lead", "sales qualified lead", "mql", "sql"}},
	{Name: "retention_rate", Kind: KindRate, Aliases: []string{"retention rate", "retention"}},
	{Name: "revenue", Kind: KindMoney, Aliases: []string{"revenue", "sales", "sales revenue", "income", "turnover"}},
	{Name: "roas", Kind: KindRatio, Aliases: []string{"roas", "return on ad spend", "return on advertising spend"}},
	{Name: "roi", Kind: KindRatio, Aliases: []string{"roi", "return on investment"}},
	{Name: "sessions", Kind: KindCount, Aliases: []string{"session"}},
	{Name: "signups", Kind: KindCount, Aliases: []string{"signup", "sign up", "registration", "trial", "free trial"}},
	{Name: "spend", Kind: KindMoney, LowerIsBetter: true, Aliases: []string{"spend", "ad spend", "spending", "cost", "ad cost", "media spend", "marketing spend"}},
	{Name: "subscribers", Kind: KindCount, Aliases: []string{"subscriber", "email subscriber", "newsletter subscriber", "subscription"}},
	{Name: "traffic", Kind: KindCount, Aliases: []string{"traffic", "visitor", "visit", "site visit", "unique visitor"}},
	{Name: "users", Kind: KindCount, Aliases: []string{"user", "active user", "monthly active user", "daily active user", "mau", "dau"}},
}

// metricAlias is one alias split into words, pointing into metrics.
type metricAlias struct {
	words  []string
	metric int
}

// aliases holds every alias of metrics, longest first, so that the first
// match at a position is the longest ("cost per click" before "cost").
var aliases = func() []metricAlias {
	var out []metricAlias
	for i, m := range metrics {
		for _, a := range m.Aliases {
			out = append(out, metricAlias{words: strings.Fields(a), metric: i})
		}
	}
	slices.SortStableFunc(out, func(a, b metricAlias) int { return len(b.words) - len(a.words) })
	return out
}()

// aliasesByFirst indexes aliases by their first word, each list longest
// first.
var aliasesByFirst = func() map[string][]metricAlias {
	out := map[string][]metricAlias{}
	for _, a := range aliases {
		out[a.words[0]] = append(out[a.words[0]], a)
	}
	return out
}()

// singulars returns the forms of w that wordMatches may have been written
// from: w itself and w without a plural ending.
func singulars(w string) [4]string {
	var out [4]string
	out[0] = w
	if s, ok := strings.CutSuffix(w, "s"); ok {
		out[1] = s
	}
	if s, ok := strings.CutSuffix(w, "es"); ok {
		out[2] = s
	}
	if s, ok := strings.CutSuffix(w, "ies"); ok {
		out[3] = s + "y"
	}
	return out
}

// Metrics returns every metric the parser knows, sorted by Name. The slice
// and its Aliases are fresh copies the caller may keep or change.
func Metrics() []Metric {
	out := make([]Metric, len(metrics))
	for i, m := range metrics {
		out[i] = m
		out[i].Aliases = slices.Clone(m.Aliases)
	}
	return out
}

// LookupMetric returns the metric with the canonical name or alias name,
// matched case-insensitively, with hyphens, underscores and runs of blanks
// read as one space and plurals accepted ("CPA", "cost-per-click",
// "qualified_leads", "Sign-ups"). ok is false when no metric matches.
func LookupMetric(name string) (m Metric, ok bool) {
	words := strings.Fields(strings.NewReplacer("-", " ", "_", " ").Replace(strings.ToLower(name)))
	if len(words) == 0 {
		return Metric{}, false
	}
	if i := slices.IndexFunc(metrics, func(m Metric) bool { return m.Name == strings.Join(words, "_") }); i >= 0 {
		m = metrics[i]
		m.Aliases = slices.Clone(m.Aliases)
		return m, true
	}
	for _, a := range aliases {
		if len(a.words) == len(words) && wordsMatch(a.words, words) {
			m = metrics[a.metric]
			m.Aliases = slices.Clone(m.Aliases)
			return m, true
		}
	}
	return Metric{}, false
}

// wordsMatch reports whether got spells alias word for word, each word
// exactly or as a plural.
func wordsMatch(alias, got []string) bool {
	for i, w := range alias {
		if !wordMatches(w, got[i]) {
			return false
		}
	}
	return true
}

// wordMatches reports whether got is w or a plural of w.
func wordMatches(w, got string) bool {
	switch {
	case got == w, got == w+"s", got == w+"es":
		return true
	case strings.HasSuffix(w, "y") && got == w[:len(w)-1]+"ies":
		return true
	}
	return false
}
