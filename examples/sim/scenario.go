package main

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/strata-go/strata/fallback"
	"github.com/strata-go/strata/internal/strictyaml"
	"github.com/strata-go/strata/providers"
)

// scenario is one fault scenario, as read from YAML by parseScenario. Every
// duration in it is virtual time; the simulator multiplies each by
// TimeScale before it reaches a resolver, a fake or a timer.
type scenario struct {
	Name        string        `yaml:"name"`
	Seed        uint64        `yaml:"seed"`
	Requests    int           `yaml:"requests"`
	Concurrency int           `yaml:"concurrency"`
	TimeScale   float64       `yaml:"time_scale"`
	Deadline    time.Duration `yaml:"deadline"`
	// Workload is zipf (s = 1.1, the first key the hottest) or uniform.
	// Default zipf.
	Workload string `yaml:"workload"`
	// ThinkTime is the pause of each goroutine between two of its
	// resolves, so that virtual time passes at a rate set by the
	// scenario rather than by how fast the machine runs cache hits.
	// Default 0: a closed loop. An extension of the format.
	ThinkTime time.Duration `yaml:"think_time"`
	Campaign  *campaignSpec `yaml:"campaign"`
	History   historySpec   `yaml:"history"`
	// KeysField is the keys as written: a list, or a generator
	// (generateSpec). Validation turns either into Keys.
	KeysField keysField      `yaml:"keys"`
	Keys      []keySpec      `yaml:"-"`
	Providers []providerSpec `yaml:"providers"`
	// TruthEvents change the true values during the run (a level shift):
	// every provider reports the changed truth. An extension of the
	// issue's format.
	TruthEvents []truthEventSpec `yaml:"truth_events"`
	// Resolver holds fields of fallback.Config merged over the derived
	// config (see deriveConfig and mergeResolver).
	Resolver yaml.Node `yaml:"resolver"`
}

// campaignSpec makes each goroutine's consecutive resolves campaigns of
// Size resolves sharing one money budget.
type campaignSpec struct {
	Size   int     `yaml:"size"`
	Budget float64 `yaml:"budget"`
}

// historySpec is the history loaded for every key before the run.
type historySpec struct {
	// Points is the number of past periods, t = 0 … Points−1.
	Points int `yaml:"points"`
	// Period is their spacing. Default 24h.
	Period time.Duration `yaml:"period"`
}

// keySpec is one key of the workload.
type keySpec struct {
	DataType string            `yaml:"data_type"`
	Params   map[string]string `yaml:"params"`
	Truth    truthSpec         `yaml:"truth"`
	Default  float64           `yaml:"default"`
}

// truthSpec generates a key's true series (see truthAt).
type truthSpec struct {
	Level           float64 `yaml:"level"`
	Trend           float64 `yaml:"trend"`
	SeasonPeriod    int     `yaml:"season_period"`
	SeasonAmplitude float64 `yaml:"season_amplitude"`
	Noise           float64 `yaml:"noise"`
}

// providerSpec is one simulated provider.
type providerSpec struct {
	Name       string      `yaml:"name"`
	Tier       string      `yaml:"tier"`
	DataTypes  []string    `yaml:"data_types"`
	Cost       float64     `yaml:"cost"`
	Confidence float64     `yaml:"confidence"`
	Latency    latencySpec `yaml:"latency"`
	ErrorRate  float64     `yaml:"error_rate"`
	ErrorClass string      `yaml:"error_class"`
	Bias       float64     `yaml:"bias"`
	Noise      float64     `yaml:"noise"`
	RateLimit  *rateSpec   `yaml:"rate_limit"`
	Events     []eventSpec `yaml:"events"`
	errClass   providers.Class
}

// latencySpec is a lognormal latency through its median and 99th
// percentile (fixed at Median when P99 is zero or equal).
type latencySpec struct {
	Median time.Duration `yaml:"median"`
	P99    time.Duration `yaml:"p99"`
}

// rateSpec is a provider's own token bucket, in virtual time.
type rateSpec struct {
	PerSecond float64 `yaml:"per_second"`
	Burst     int     `yaml:"burst"`
}

// eventSpec is a fault of one provider over [From, To) of the run, as
// fractions of the request count, by request index; with Match, for the
// keys it selects only.
type eventSpec struct {
	From   float64  `yaml:"from"`
	To     float64  `yaml:"to"`
	Kind   string   `yaml:"kind"`
	Class  string   `yaml:"class"`
	Factor float64  `yaml:"factor"`
	Period int      `yaml:"period"`
	Match  keyMatch `yaml:"match"`
	class  providers.Class
}

// The provider event kinds. down, flapping and garbage fail the request
// or answer a value the bounds reject; unit, zero and frozen answer
// in-bounds garbage, which only a plausibility check can catch.
const (
	eventDown     = "down"
	eventSlow     = "slow"
	eventGarbage  = "garbage"
	eventFlapping = "flapping"
	// eventUnit answers the provider's value × factor (default 10): a
	// unit error.
	eventUnit = "unit"
	// eventZero answers 0.
	eventZero = "zero"
	// eventFrozen answers, for each key, the value the provider gave it
	// at the event's first request, unchanged.
	eventFrozen = "frozen"
	// eventDrift answers the provider's value × a bias that grows
	// geometrically from 1 at the event's start to factor at its end: a
	// feed drifting off the truth in steps too small for any one answer
	// to look implausible.
	eventDrift = "drift"
)

// inBoundsGarbage reports whether any provider of the scenario answers
// in-bounds garbage (a unit, zero or frozen event).
func (sc *scenario) inBoundsGarbage() bool {
	for _, p := range sc.Providers {
		for _, e := range p.Events {
			if e.Kind == eventUnit || e.Kind == eventZero || e.Kind == eventFrozen {
				return true
			}
		}
	}
	return false
}

// eventKinds lists the provider event kinds, as error messages name them.
const eventKinds = "down, slow, garbage, flapping, unit, zero, frozen or drift"

// defaultUnitFactor is a unit event's factor when none is given.
const defaultUnitFactor = 10

// truthEventSpec changes the truth of the keys it selects over [From,
// To) of the run (fractions of the request count, by request index; To
// default 1, the end of the run).
type truthEventSpec struct {
	From float64 `yaml:"from"`
	To   float64 `yaml:"to"`
	// Kind is shift: the truth is multiplied by Factor.
	Kind   string  `yaml:"kind"`
	Factor float64 `yaml:"factor"`
	// DataType, when set, limits the event to the keys of that data type.
	DataType string `yaml:"data_type"`
	// Match, when set, limits the event to the keys it selects.
	Match keyMatch `yaml:"match"`
}

// eventShift is the truth event kind: a level shift.
const eventShift = "shift"

// keyMatch selects keys by their params: a key is selected when, for
// every param named, its value is one of those listed. Written as a
// mapping of param names to a value or a list of values ({market: us,
// keyword: [shoes, boots]}). The empty keyMatch selects every key.
type keyMatch map[string]valueList

// valueList is one value or a list of values.
type valueList []string

// UnmarshalYAML reads a scalar or a sequence of scalars.
func (v *valueList) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		*v = valueList{n.Value}
		return nil
	case yaml.SequenceNode:
		var vals []string
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				return typeError(c, "a param value")
			}
			vals = append(vals, c.Value)
		}
		*v = vals
		return nil
	}
	return typeError(n, "a param value or a list of param values")
}

// selects reports whether the key with params is selected.
func (m keyMatch) selects(params map[string]string) bool {
	for name, vals := range m {
		v, ok := params[name]
		if !ok || !slices.Contains(vals, v) {
			return false
		}
	}
	return true
}

// fieldError is one problem of a scenario, naming its field.
type fieldError struct {
	Field string
	Line  int
	Msg   string
}

func (e *fieldError) Error() string {
	var b strings.Builder
	b.WriteString("scenario: ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Line > 0 {
		fmt.Fprintf(&b, " (line %d)", e.Line)
	}
	return b.String()
}

// loadScenario reads and parses the scenario file at path.
func loadScenario(path string) (*scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // "no such file or directory", without "open" and the path again
		}
		return nil, fmt.Errorf("-scenario: cannot read %s: %w", path, err)
	}
	return parseScenario(data)
}

// parseScenario reads a scenario strictly and reports every problem at
// once: each unknown field (the resolver block's included), each value of
// the wrong type and each value out of range is a *fieldError naming the
// field and its line ("providers[0].latency.p99: must be ≥ median"), and
// the error joins them all, in the order of their lines (a missing field
// has none and comes last). A field the decoder could not read (a value of
// the wrong type, a mapping with a repeated key) is not checked further.
// The resolver block's values are checked (by fallback.ParseConfig,
// merged over the config the scenario derives) only when nothing else is
// wrong, as the merge needs a valid scenario. A YAML syntax error, an
// empty document, a document that is not a mapping and a key repeated at
// the top level leave nothing to check: only the parser's or the
// decoder's problems are reported. The defaults are applied to the
// returned scenario.
func parseScenario(data []byte) (*scenario, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		e := &fieldError{Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
		if m := syntaxLineRe.FindStringSubmatch(e.Msg); m != nil {
			e.Line, _ = strconv.Atoi(m[1])
			e.Msg = e.Msg[len(m[0]):]
		}
		return nil, e
	}
	if len(root.Content) == 0 {
		return nil, &fieldError{Msg: "empty document"}
	}
	doc := root.Content[0]
	sc := &scenario{}
	p := problems{undecoded: map[string]bool{}}
	if err := root.Decode(sc); err != nil {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return nil, &fieldError{Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
		}
		p.addDecodeErrors(te, doc)
		if doc.Kind != yaml.MappingNode || p.undecoded[""] {
			return nil, p.err() // not a scenario at all: nothing else to check
		}
	}
	// The resolver block is a leaf here: its fields are fallback.Config's.
	lines, unknown := strictyaml.Check(doc, typeOfScenario, typeOfNode)
	p.lines = lines
	for _, u := range unknown {
		p.errs = append(p.errs, &fieldError{Field: u.Path, Line: u.Line, Msg: u.Msg})
	}
	p.checkKeysNode(&sc.KeysField) // a leaf above: a list or a generator
	_, unknown = strictyaml.Check(&sc.Resolver, typeOfConfig)
	for _, u := range unknown {
		p.errs = append(p.errs, &fieldError{Field: strictyaml.Join("resolver", u.Path), Line: u.Line, Msg: u.Msg})
	}
	if _, err := cloneNode(&sc.Resolver); err != nil {
		p.add("resolver", "%v", err)
	}
	sc.validate(&p)
	if len(p.errs) == 0 {
		if cfg, err := mergeResolver(deriveConfig(sc), &sc.Resolver); err != nil {
			p.addErrors(err)
		} else {
			sc.checkZeroInBounds(&p, cfg)
		}
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return sc, nil
}

// problems collects the fieldErrors of a scenario.
type problems struct {
	lines map[string]int
	// undecoded holds the fields the decoder could not read (a value of the
	// wrong type, a mapping with a repeated key): it left them zero, so
	// validation would only repeat the problem.
	undecoded map[string]bool
	errs      []*fieldError
}

// add records a problem of field, unless the decoder already reported the
// field or a field holding it.
func (p *problems) add(field, format string, args ...any) {
	for f := field; f != ""; f = parentPath(f) {
		if p.undecoded[f] {
			return
		}
	}
	p.errs = append(p.errs, &fieldError{Field: field, Line: strictyaml.LineOf(p.lines, field), Msg: fmt.Sprintf(format, args...)})
}

// addErrors records the errors joined in err (those mergeResolver returns).
func (p *problems) addErrors(err error) {
	all := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		all = j.Unwrap()
	}
	for _, e := range all {
		var fe *fieldError
		if !errors.As(e, &fe) {
			fe = &fieldError{Field: "resolver", Msg: strings.TrimPrefix(e.Error(), "resolver: ")}
		}
		p.errs = append(p.errs, fe)
	}
}

// err returns the problems joined in the order of their lines (those
// without a line last), or nil.
func (p *problems) err() error {
	slices.SortStableFunc(p.errs, func(a, b *fieldError) int {
		switch {
		case a.Line == b.Line:
			return 0
		case a.Line == 0:
			return 1
		case b.Line == 0:
			return -1
		}
		return a.Line - b.Line
	})
	errs := make([]error, len(p.errs))
	for i, e := range p.errs {
		errs[i] = e
	}
	return errors.Join(errs...)
}

// unread reports whether the decoder left field, or a field under it,
// unread.
func (p *problems) unread(field string) bool {
	for f := range p.undecoded {
		if f == field || strings.HasPrefix(f, field+".") || strings.HasPrefix(f, field+"[") {
			return true
		}
	}
	return false
}

// flowText renders a sequence of scalars as a flow sequence ("[0.5, 1,
// 2]"): how a type error about a whole sequence quotes it (see span).
func flowText(n *yaml.Node) string {
	vals := make([]string, len(n.Content))
	for i, c := range n.Content {
		vals[i] = c.Value
	}
	return "[" + strings.Join(vals, ", ") + "]"
}

// parentPath returns the path holding path ("a.b[2]" → "a.b" → "a" → "").
func parentPath(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

var (
	dataTypeName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	syntaxLineRe = regexp.MustCompile(`^line (\d+): `)
	dupKeyRe     = regexp.MustCompile(`^mapping key (".*") already defined at line \d+$`)
	typeErrorRe  = regexp.MustCompile("^cannot unmarshal (!!\\w+)(?: `(.*)`)? into ")
)

// validate checks every value and applies the defaults.
func (sc *scenario) validate(p *problems) {
	if strings.TrimSpace(sc.Name) == "" {
		p.add("name", "required")
	}
	if sc.Requests <= 0 {
		p.add("requests", "must be positive, got %d", sc.Requests)
	}
	if sc.Concurrency <= 0 {
		p.add("concurrency", "must be positive, got %d", sc.Concurrency)
	}
	if !(sc.TimeScale > 0 && sc.TimeScale <= 10) {
		p.add("time_scale", "must be in (0, 10] real seconds per virtual second, got %v", sc.TimeScale)
	}
	if sc.Deadline <= 0 {
		p.add("deadline", "must be a positive duration, got %v", sc.Deadline)
	}
	switch sc.Workload {
	case "":
		sc.Workload = "zipf"
	case "zipf", "uniform":
	default:
		p.add("workload", "must be zipf or uniform, got %q", sc.Workload)
	}
	if sc.ThinkTime < 0 {
		p.add("think_time", "must not be negative, got %v", sc.ThinkTime)
	}
	if c := sc.Campaign; c != nil {
		if c.Size <= 0 {
			p.add("campaign.size", "must be positive, got %d", c.Size)
		}
		if !(c.Budget >= 0) || math.IsInf(c.Budget, 0) {
			p.add("campaign.budget", "must be finite and not negative, got %v", c.Budget)
		}
	}
	if sc.History.Points < 0 {
		p.add("history.points", "must not be negative, got %d", sc.History.Points)
	} else if sc.History.Points > 100000 {
		p.add("history.points", "must be at most 100000, got %d", sc.History.Points)
	}
	if sc.History.Period < 0 {
		p.add("history.period", "must be a positive duration, got %v", sc.History.Period)
	}
	if sc.History.Period == 0 {
		sc.History.Period = 24 * time.Hour
	}

	types := map[string]bool{}
	sc.Keys = sc.KeysField.list
	if g := sc.KeysField.gen; g != nil {
		if g.validate(p, sc.History.Points, types) {
			keys, err := g.keys(sc.Seed)
			if err != nil {
				p.add("keys.generate", "%v", err)
			}
			sc.Keys = keys
		}
	} else if len(sc.Keys) == 0 {
		p.add("keys", "at least one key is required")
	}
	seen := map[string]int{}
	for i := range sc.Keys {
		k := &sc.Keys[i]
		f := fmt.Sprintf("keys[%d]", i)
		if !dataTypeName.MatchString(k.DataType) {
			p.add(f+".data_type", "must be a lower-case name ([a-z][a-z0-9_]*), got %q", k.DataType)
		}
		types[k.DataType] = true
		for name, v := range k.Params {
			if !dataTypeName.MatchString(name) {
				p.add(f+".params."+name, "param names must match [a-z][a-z0-9_]*")
			}
			if !printableParam(v) {
				p.add(f+".params."+name, "must be a non-empty printable value of at most 128 bytes")
			}
		}
		ck := canonicalKey(k.DataType, k.Params)
		if j, dup := seen[ck]; dup {
			p.add(f, "duplicates keys[%d] (same data type and params)", j)
		}
		seen[ck] = i
		t := k.Truth
		switch {
		case !(t.Level > 0) || math.IsInf(t.Level, 0):
			p.add(f+".truth.level", "must be positive and finite, got %v", t.Level)
		case !(t.Trend > -0.5 && t.Trend < 0.5):
			p.add(f+".truth.trend", "must be in (-0.5, 0.5) per period, got %v", t.Trend)
		case t.SeasonPeriod < 0 || t.SeasonPeriod == 1:
			p.add(f+".truth.season_period", "must be 0 (no season) or at least 2, got %d", t.SeasonPeriod)
		case !(t.SeasonAmplitude >= 0 && t.SeasonAmplitude < 1):
			p.add(f+".truth.season_amplitude", "must be in [0, 1), got %v", t.SeasonAmplitude)
		case t.SeasonAmplitude > 0 && t.SeasonPeriod == 0:
			p.add(f+".truth.season_period", "required (at least 2) when season_amplitude is set")
		case !(t.Noise >= 0 && t.Noise < 0.3):
			p.add(f+".truth.noise", "must be in [0, 0.3), got %v", t.Noise)
		}
		if t.Level > 0 && t.Trend > -0.5 && t.Trend < 0.5 && sc.History.Points >= 0 {
			if g := t.Level * math.Pow(1+math.Abs(t.Trend), float64(sc.History.Points)); !(g < 1e12) {
				p.add(f+".truth.trend", "grows the series past 1e12 over %d periods", sc.History.Points)
			}
		}
		if !(k.Default >= 0) || math.IsInf(k.Default, 0) {
			p.add(f+".default", "must be finite and not negative, got %v", k.Default)
		}
	}

	names := map[string]int{}
	for i := range sc.Providers {
		pr := &sc.Providers[i]
		f := fmt.Sprintf("providers[%d]", i)
		p.uniqueName(f+".name", pr.Name, "providers", i, names)
		if pr.Tier != "primary" && pr.Tier != "secondary" {
			p.add(f+".tier", "must be primary or secondary, got %q", pr.Tier)
		}
		if len(pr.DataTypes) == 0 {
			p.add(f+".data_types", "at least one data type is required")
		}
		for j, dt := range pr.DataTypes {
			if !types[dt] && !p.unread("keys") {
				p.add(fmt.Sprintf("%s.data_types[%d]", f, j), "%q is not the data type of any key", dt)
			}
		}
		if !(pr.Cost >= 0) || math.IsInf(pr.Cost, 0) {
			p.add(f+".cost", "must be finite and not negative, got %v", pr.Cost)
		}
		if pr.Confidence == 0 {
			pr.Confidence = 0.8
		} else if !(pr.Confidence > 0 && pr.Confidence <= 1) {
			p.add(f+".confidence", "must be in (0, 1], got %v", pr.Confidence)
		}
		l := pr.Latency
		switch {
		case l.Median < 0:
			p.add(f+".latency.median", "must not be negative, got %v", l.Median)
		case l.P99 < 0:
			p.add(f+".latency.p99", "must not be negative, got %v", l.P99)
		case l.P99 > 0 && l.P99 < l.Median:
			p.add(f+".latency.p99", "must be ≥ median (%v), got %v", l.Median, l.P99)
		case l.P99 > 0 && l.Median == 0:
			p.add(f+".latency.median", "must be positive when p99 is set")
		case l.Median > sc.Deadline*100 && sc.Deadline > 0:
			p.add(f+".latency.median", "%v is over a hundred deadlines", l.Median)
		}
		if !(pr.ErrorRate >= 0 && pr.ErrorRate <= 1) {
			p.add(f+".error_rate", "must be a probability in [0, 1], got %v", pr.ErrorRate)
		}
		pr.errClass = providers.Transient
		if pr.ErrorClass != "" {
			c, err := parseFailClass(pr.ErrorClass)
			if err != nil {
				p.add(f+".error_class", "%v", err)
			}
			pr.errClass = c
		}
		if !(pr.Bias > -1 && pr.Bias < 10) {
			p.add(f+".bias", "must be in (-1, 10), got %v", pr.Bias)
		}
		if !(pr.Noise >= 0 && pr.Noise < 1) {
			p.add(f+".noise", "must be in [0, 1), got %v", pr.Noise)
		}
		if r := pr.RateLimit; r != nil {
			if !(r.PerSecond > 0) || math.IsInf(r.PerSecond, 0) {
				p.add(f+".rate_limit.per_second", "must be positive and finite, got %v", r.PerSecond)
			}
			if r.Burst < 0 {
				p.add(f+".rate_limit.burst", "must not be negative, got %d", r.Burst)
			} else if r.Burst == 0 {
				r.Burst = max(1, int(math.Ceil(r.PerSecond)))
			}
		}
		for j := range pr.Events {
			validateEvent(p, fmt.Sprintf("%s.events[%d]", f, j), &pr.Events[j], sc.Keys, pr.DataTypes)
		}
	}
	for i := range sc.TruthEvents {
		validateTruthEvent(p, fmt.Sprintf("truth_events[%d]", i), &sc.TruthEvents[i], sc.Keys)
	}
}

// checkZeroInBounds checks that every zero event's 0 lies within the
// bounds of the data types it answers for in cfg: a zero the bounds
// reject tests the bounds check, which the garbage kind already does,
// not the plausibility check a zero event is for.
func (sc *scenario) checkZeroInBounds(p *problems, cfg fallback.Config) {
	for i, pr := range sc.Providers {
		for j, e := range pr.Events {
			if e.Kind != eventZero {
				continue
			}
			for _, dt := range cfg.DataTypes {
				if !slices.Contains(pr.DataTypes, dt.Name) || dt.Bounds.Contains(0) {
					continue
				}
				p.add(fmt.Sprintf("providers[%d].events[%d].kind", i, j),
					"zero: 0 is outside the bounds of data type %q, [%v, %v], so the bounds check rejects it: not in-bounds garbage (kind garbage answers out-of-bounds values)",
					dt.Name, dt.Bounds.Min, dt.Bounds.Max)
			}
		}
	}
}

// uniqueName checks that name, item i of list, is a lower-case name that
// no earlier item has (seen maps the names to their items).
func (p *problems) uniqueName(field, name, list string, i int, seen map[string]int) {
	if !dataTypeName.MatchString(name) {
		p.add(field, "must be a lower-case name ([a-z][a-z0-9_]*), got %q", name)
	} else if j, dup := seen[name]; dup {
		p.add(field, "%q is also %s[%d]", name, list, j)
	}
	seen[name] = i
}

// validateEvent checks one event of a provider serving dataTypes and
// applies its defaults.
func validateEvent(p *problems, f string, e *eventSpec, keys []keySpec, dataTypes []string) {
	checkWindow(p, f, e.From, e.To)
	only := func(field, kinds string) {
		p.add(f+"."+field, "applies only to kind %s, not %s", kinds, e.Kind)
	}
	switch e.Kind {
	case eventDown, eventFlapping, eventSlow, eventGarbage, eventUnit, eventZero, eventFrozen, eventDrift:
	default:
		p.add(f+".kind", "must be %s, got %q", eventKinds, e.Kind)
		return
	}
	if e.Kind == eventDown || e.Kind == eventFlapping {
		e.class = providers.Unavailable
		if e.Class != "" {
			c, err := parseFailClass(e.Class)
			if err != nil {
				p.add(f+".class", "%v", err)
			}
			e.class = c
		}
	} else if e.Class != "" {
		only("class", "down or flapping")
	}
	switch {
	case e.Kind == eventSlow:
		if !(e.Factor > 0) || math.IsInf(e.Factor, 0) {
			p.add(f+".factor", "required for slow: the latency multiplier, positive and finite, got %v", e.Factor)
		}
	case e.Kind == eventUnit && e.Factor == 0:
		e.Factor = defaultUnitFactor
	case e.Kind == eventUnit:
		if !(e.Factor > 0) || math.IsInf(e.Factor, 0) || e.Factor == 1 {
			p.add(f+".factor", "for unit: the multiplier of the provider's value (10 for ×10, 0.1 for ÷10), positive, finite and not 1, got %v", e.Factor)
		}
	case e.Kind == eventDrift:
		if !(e.Factor > 0) || math.IsInf(e.Factor, 0) || e.Factor == 1 {
			p.add(f+".factor", "required for drift: the bias reached at the event's end (1.5 for +50 %%), positive, finite and not 1, got %v", e.Factor)
		}
	case e.Factor != 0:
		only("factor", "slow, unit or drift")
	}
	if e.Kind == eventFlapping && e.Period <= 0 {
		p.add(f+".period", "required for flapping: the requests in each down or up phase, at least 1, got %d", e.Period)
	}
	if e.Kind != eventFlapping && e.Period != 0 {
		only("period", eventFlapping)
	}
	checkMatch(p, f+".match", e.Match, keys, dataTypes)
}

// validateTruthEvent checks one truth event and applies its defaults.
func validateTruthEvent(p *problems, f string, e *truthEventSpec, keys []keySpec) {
	if e.To == 0 {
		e.To = 1
	}
	checkWindow(p, f, e.From, e.To)
	if e.Kind != eventShift {
		p.add(f+".kind", "must be shift, got %q", e.Kind)
	}
	if !(e.Factor > 0) || math.IsInf(e.Factor, 0) {
		p.add(f+".factor", "required for shift: the multiplier of the truth, positive and finite, got %v", e.Factor)
	}
	var dataTypes []string
	if e.DataType != "" {
		dataTypes = []string{e.DataType}
		if !slices.ContainsFunc(keys, func(k keySpec) bool { return k.DataType == e.DataType }) {
			p.add(f+".data_type", "%q is not the data type of any key", e.DataType)
			return
		}
	}
	checkMatch(p, f+".match", e.Match, keys, dataTypes)
}

// checkWindow checks an event's [from, to) window.
func checkWindow(p *problems, f string, from, to float64) {
	if !(from >= 0 && from <= 1) {
		p.add(f+".from", "must be a fraction of the run in [0, 1], got %v", from)
	}
	if !(to >= 0 && to <= 1) {
		p.add(f+".to", "must be a fraction of the run in [0, 1], got %v", to)
	} else if to <= from {
		p.add(f+".to", "must be after from (%v), got %v", from, to)
	}
}

// checkMatch checks that every param m names is a param of some key, that
// no value is empty, and that m selects at least one key of dataTypes (of
// any data type when dataTypes is nil).
func checkMatch(p *problems, f string, m keyMatch, keys []keySpec, dataTypes []string) {
	if len(m) == 0 || p.unread("keys") {
		return
	}
	bad := false
	for _, name := range sortedKeys(m) {
		if !slices.ContainsFunc(keys, func(k keySpec) bool { _, ok := k.Params[name]; return ok }) {
			p.add(f+"."+name, "%q is not a param of any key", name)
			bad = true
		}
		if len(m[name]) == 0 || slices.Contains(m[name], "") {
			p.add(f+"."+name, "want a param value or a list of them, none empty")
			bad = true
		}
	}
	if bad {
		return
	}
	for _, k := range keys {
		if (dataTypes == nil || slices.Contains(dataTypes, k.DataType)) && m.selects(k.Params) {
			return
		}
	}
	which := "any key"
	if dataTypes != nil {
		which = "any key of " + strings.Join(dataTypes, ", ")
	}
	p.add(f, "selects no key: no params of %s match", which)
}

// parseFailClass parses an error class a provider can fail with: any
// class but canceled, which only a caller causes.
func parseFailClass(s string) (providers.Class, error) {
	c, err := providers.ParseClass(s)
	if err != nil || c == providers.Canceled {
		return 0, fmt.Errorf("must be one of transient, auth, rate_limit, data_quality, unavailable, permanent; got %q", s)
	}
	return c, nil
}

// dataTypes returns the data types of the keys in order of first use.
func (sc *scenario) dataTypes() []string {
	var out []string
	for _, k := range sc.Keys {
		if !slices.Contains(out, k.DataType) {
			out = append(out, k.DataType)
		}
	}
	return out
}

// scale converts a virtual duration to the real one the simulator hands
// to timers, fakes and the resolver.
func (sc *scenario) scale(d time.Duration) time.Duration {
	return time.Duration(math.Round(float64(d) * sc.TimeScale))
}

// virtual converts a measured real duration to virtual time.
func (sc *scenario) virtual(d time.Duration) time.Duration {
	return time.Duration(float64(d) / sc.TimeScale)
}

// addDecodeErrors records the decoder's errors, each with its line and
// the field it is about, and marks what the decoder could not read.
//   - "line N: cannot unmarshal !!str `soon` into time.Duration": the field
//     is the deepest node on that line with the tag and value the message
//     quotes (the decoder shortens a long value to its first seven bytes),
//     else the deepest node on the line.
//   - "line N: mapping key "a" already defined at line M": the decoder
//     leaves the whole mapping holding the key unread ("" for the document).
func (p *problems) addDecodeErrors(te *yaml.TypeError, doc *yaml.Node) {
	for _, msg := range te.Errors {
		e := &fieldError{Msg: msg}
		p.errs = append(p.errs, e)
		if m := syntaxLineRe.FindStringSubmatch(msg); m != nil {
			e.Line, _ = strconv.Atoi(m[1])
			e.Msg = msg[len(m[0]):]
		}
		if m := dupKeyRe.FindStringSubmatch(e.Msg); m != nil {
			key, _ := strconv.Unquote(m[1])
			walkNodes(doc, "", func(path string, n *yaml.Node) {
				for i := 0; n.Kind == yaml.MappingNode && i+1 < len(n.Content); i += 2 {
					if k := n.Content[i]; k.Line == e.Line && k.Value == key {
						e.Field = strictyaml.Join(path, key)
						p.undecoded[path] = true
					}
				}
			})
			continue
		}
		m := typeErrorRe.FindStringSubmatch(e.Msg)
		if m == nil || e.Line == 0 {
			continue
		}
		tag, value := m[1], m[2]
		quoted, shortened := strings.CutSuffix(value, "...")
		var onLine, exact *string
		walkNodes(doc, "", func(path string, n *yaml.Node) {
			if n.Line != e.Line {
				return
			}
			if onLine == nil || len(path) > len(*onLine) {
				onLine = &path
			}
			quotes := n.Value == value || shortened && len(n.Value) > 10 && strings.HasPrefix(n.Value, quoted) ||
				n.Kind == yaml.SequenceNode && value != "" && flowText(n) == value
			if n.ShortTag() == tag && quotes && (exact == nil || len(path) > len(*exact)) {
				exact = &path
			}
		})
		switch {
		case exact != nil:
			e.Field = *exact
		case onLine != nil:
			e.Field = *onLine
		}
		if e.Field != "" {
			p.undecoded[e.Field] = true
		}
	}
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
