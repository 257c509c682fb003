package goal

import "strings"

// better is the direction of "improve" and "optimize" until the metric is
// known: down for a metric where lower is better, up otherwise.
const better Direction = "better"

// verb is what a direction word says.
type verb struct {
	dir  Direction // Increase, Decrease, Reach (neutral) or better
	mult float64   // the multiple a verb carries: 2 for "double"; 0 for none
}

// verbs are the direction words: verbs ("cut"), nouns ("growth") and the
// comparatives after an amount ("20% more leads").
var verbs = map[string]verb{
	// up
	"increase": {dir: Increase}, "grow": {dir: Increase}, "growth": {dir: Increase},
	"boost": {dir: Increase}, "raise": {dir: Increase}, "lift": {dir: Increase},
	"uplift": {dir: Increase}, "expand": {dir: Increase}, "scale": {dir: Increase},
	"up": {dir: Increase}, "more": {dir: Increase}, "higher": {dir: Increase},
	"rise": {dir: Increase}, "gain": {dir: Increase}, "add": {dir: Increase},
	"accelerate": {dir: Increase}, "maximize": {dir: Increase}, "maximise": {dir: Increase},
	"jump": {dir: Increase}, "climb": {dir: Increase}, "bigger": {dir: Increase},
	"double": {dir: Increase, mult: 2}, "triple": {dir: Increase, mult: 3},
	"quadruple": {dir: Increase, mult: 4}, "twice": {dir: Increase, mult: 2},
	// down
	"decrease": {dir: Decrease}, "cut": {dir: Decrease}, "reduce": {dir: Decrease},
	"reduction": {dir: Decrease}, "lower": {dir: Decrease}, "drop": {dir: Decrease},
	"decline": {dir: Decrease}, "shrink": {dir: Decrease}, "slash": {dir: Decrease},
	"trim": {dir: Decrease}, "minimize": {dir: Decrease}, "minimise": {dir: Decrease},
	"down": {dir: Decrease}, "fewer": {dir: Decrease}, "less": {dir: Decrease},
	"fall": {dir: Decrease}, "smaller": {dir: Decrease}, "lessen": {dir: Decrease},
	"halve": {dir: Decrease, mult: 0.5},
	// towards the better end of the metric
	"improve": {dir: better}, "improvement": {dir: better}, "optimize": {dir: better},
	"optimise": {dir: better}, "better": {dir: better},
	// to a level, without a direction
	"reach": {dir: Reach}, "hit": {dir: Reach}, "achieve": {dir: Reach},
	"attain": {dir: Reach}, "get": {dir: Reach}, "generate": {dir: Reach},
	"acquire": {dir: Reach}, "drive": {dir: Reach}, "deliver": {dir: Reach},
	"land": {dir: Reach}, "book": {dir: Reach}, "secure": {dir: Reach},
	"win": {dir: Reach}, "earn": {dir: Reach}, "make": {dir: Reach},
	"keep": {dir: Reach}, "maintain": {dir: Reach}, "stay": {dir: Reach},
	"hold": {dir: Reach}, "sustain": {dir: Reach}, "bring": {dir: Reach},
}

// lookupVerb finds w or one of its inflections ("cuts", "cutting",
// "reduced", "increasing", "doubled").
func lookupVerb(w string) (verb, bool) {
	if v, ok := verbs[w]; ok {
		return v, true
	}
	for _, suf := range [...]string{"s", "es", "d", "ed", "ing", "n"} {
		stem, ok := strings.CutSuffix(w, suf)
		if !ok || len(stem) < 2 {
			continue
		}
		if v, ok := verbs[stem]; ok {
			return v, true
		}
		if v, ok := verbs[stem+"e"]; ok { // "reducing"
			return v, true
		}
		if n := len(stem); n >= 3 && stem[n-1] == stem[n-2] { // "cutting"
			if v, ok := verbs[stem[:n-1]]; ok {
				return v, true
			}
		}
	}
	return verb{}, false
}

// role is what an amount is in the goal.
type role uint8

const (
	roleBare   role = iota // no marker: settled by the verb and the metric
	roleChange             // "by 20%"
	roleTarget             // "to $35", "of 4x", "under $35"
	roleFrom               // "from 2%"
)

// marker is a word or phrase that says what the amount after it is.
type marker struct {
	words  []string
	role   role
	intent Direction // for targets: the way a bound points ("under": Decrease)
}

// markers, longest first.
var markers = []marker{
	{words: []string{"no", "more", "than"}, role: roleTarget, intent: Decrease},
	{words: []string{"no", "higher", "than"}, role: roleTarget, intent: Decrease},
	{words: []string{"no", "less", "than"}, role: roleTarget, intent: Increase},
	{words: []string{"no", "lower", "than"}, role: roleTarget, intent: Increase},
	{words: []string{"at", "most"}, role: roleTarget, intent: Decrease},
	{words: []string{"less", "than"}, role: roleTarget, intent: Decrease},
	{words: []string{"fewer", "than"}, role: roleTarget, intent: Decrease},
	{words: []string{"lower", "than"}, role: roleTarget, intent: Decrease},
	{words: []string{"at", "least"}, role: roleTarget, intent: Increase},
	{words: []string{"more", "than"}, role: roleTarget, intent: Increase},
	{words: []string{"greater", "than"}, role: roleTarget, intent: Increase},
	{words: []string{"higher", "than"}, role: roleTarget, intent: Increase},
	{words: []string{"up", "to"}, role: roleTarget},
	{words: []string{"under"}, role: roleTarget, intent: Decrease},
	{words: []string{"below"}, role: roleTarget, intent: Decrease},
	{words: []string{"max"}, role: roleTarget, intent: Decrease},
	{words: []string{"maximum"}, role: roleTarget, intent: Decrease},
	{words: []string{"over"}, role: roleTarget, intent: Increase},
	{words: []string{"above"}, role: roleTarget, intent: Increase},
	{words: []string{"beyond"}, role: roleTarget, intent: Increase},
	{words: []string{"exceed"}, role: roleTarget, intent: Increase},
	{words: []string{"min"}, role: roleTarget, intent: Increase},
	{words: []string{"minimum"}, role: roleTarget, intent: Increase},
	{words: []string{"to"}, role: roleTarget},
	{words: []string{"of"}, role: roleTarget},
	{words: []string{"at"}, role: roleTarget},
	{words: []string{"around"}, role: roleTarget},
	{words: []string{"about"}, role: roleTarget},
	{words: []string{"by"}, role: roleChange},
	{words: []string{"from"}, role: roleFrom},
}

// basisPhrases are the comparison periods of a growth rate.
var basisPhrases = []struct {
	words []string
	basis string
}{
	{[]string{"year", "over", "year"}, "yoy"}, {[]string{"year", "on", "year"}, "yoy"},
	{[]string{"quarter", "over", "quarter"}, "qoq"}, {[]string{"quarter", "on", "quarter"}, "qoq"},
	{[]string{"month", "over", "month"}, "mom"}, {[]string{"month", "on", "month"}, "mom"},
	{[]string{"week", "over", "week"}, "wow"}, {[]string{"week", "on", "week"}, "wow"},
	{[]string{"yoy"}, "yoy"}, {[]string{"qoq"}, "qoq"}, {[]string{"mom"}, "mom"}, {[]string{"wow"}, "wow"},
}

// basisPeriods maps a basis to the calendar period that ends its comparison.
var basisPeriods = map[string]string{"yoy": "year", "qoq": "quarter", "mom": "month", "wow": "week"}

// fillers are words that carry no part of a goal; they are never reported
// as an unknown metric.
var fillers = map[string]bool{
	"a": true, "an": true, "the": true, "our": true, "my": true, "their": true,
	"your": true, "its": true, "we": true, "i": true, "us": true, "and": true,
	"for": true, "per": true, "total": true, "overall": true, "monthly": true,
	"weekly": true, "daily": true, "quarterly": true, "annual": true,
	"yearly": true, "new": true, "website": true, "site": true, "web": true,
	"online": true, "all": true, "number": true, "amount": true, "level": true,
	"want": true, "need": true, "should": true, "will": true, "aim": true,
	"goal": true, "target": true, "plan": true, "would": true, "like": true,
	"lets": true, "let": true, "please": true, "this": true, "that": true,
	"in": true, "on": true, "with": true, "at": true, "to": true, "by": true,
	"of": true, "from": true, "is": true, "be": true, "are": true, "average": true,
	"avg": true, "rate": true, "month": true, "year": true, "week": true,
	"quarter": true, "day": true, "paid": true, "organic": true, "email": true,
	"so": true, "it": true, "than": true, "least": true, "most": true,
	"times": true, "x": true, "percent": true, "points": true, "now": true,
}
