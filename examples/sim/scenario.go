package main

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

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
	ThinkTime time.Duration  `yaml:"think_time"`
	Campaign  *campaignSpec  `yaml:"campaign"`
	History   historySpec    `yaml:"history"`
	Keys      []keySpec      `yaml:"keys"`
	Providers []providerSpec `yaml:"providers"`
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
// fractions of the request count, by request index.
type eventSpec struct {
	From   float64 `yaml:"from"`
	To     float64 `yaml:"to"`
	Kind   string  `yaml:"kind"`
	Class  string  `yaml:"class"`
	Factor float64 `yaml:"factor"`
	Period int     `yaml:"period"`
	class  providers.Class
}

// The event kinds.
const (
	eventDown     = "down"
	eventSlow     = "slow"
	eventGarbage  = "garbage"
	eventFlapping = "flapping"
)

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
		return nil, fmt.Errorf("scenario: %w", err)
	}
	return parseScenario(data)
}

// parseScenario reads a scenario strictly: an unknown field, a value of the
// wrong type and a value out of range are errors, each a *fieldError
// naming the field ("providers[0].latency.p99: must be ≥ median"),
// joined. The defaults are applied to the returned scenario.
func parseScenario(data []byte) (*scenario, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, &fieldError{Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	if len(root.Content) == 0 {
		return nil, &fieldError{Msg: "empty document"}
	}
	// The resolver block is free-form here: ParseConfig checks it.
	lines, unknown := strictyaml.Check(root.Content[0], typeOfScenario, typeOfNode)
	if len(unknown) > 0 {
		errs := make([]error, len(unknown))
		for i, u := range unknown {
			errs[i] = &fieldError{Field: u.Path, Line: u.Line, Msg: u.Msg}
		}
		return nil, errors.Join(errs...)
	}
	sc := &scenario{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(sc); err != nil {
		return nil, decodeError(err, lines)
	}
	p := problems{lines: lines}
	if _, err := cloneNode(&sc.Resolver); err != nil {
		p.add("resolver", "%v", err)
	}
	sc.validate(&p)
	if len(p.errs) > 0 {
		return nil, errors.Join(p.errs...)
	}
	return sc, nil
}

// problems collects the fieldErrors of validation.
type problems struct {
	lines map[string]int
	errs  []error
}

func (p *problems) add(field, format string, args ...any) {
	p.errs = append(p.errs, &fieldError{Field: field, Line: strictyaml.LineOf(p.lines, field), Msg: fmt.Sprintf(format, args...)})
}

var (
	dataTypeName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	yamlLineRe   = regexp.MustCompile(`^line (\d+): `)
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
	seen := map[string]int{}
	if len(sc.Keys) == 0 {
		p.add("keys", "at least one key is required")
	}
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
			if v == "" || len(v) > 128 || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
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
		if !dataTypeName.MatchString(pr.Name) {
			p.add(f+".name", "must be a lower-case name ([a-z][a-z0-9_]*), got %q", pr.Name)
		} else if j, dup := names[pr.Name]; dup {
			p.add(f+".name", "%q is also providers[%d]", pr.Name, j)
		}
		names[pr.Name] = i
		if pr.Tier != "primary" && pr.Tier != "secondary" {
			p.add(f+".tier", "must be primary or secondary, got %q", pr.Tier)
		}
		if len(pr.DataTypes) == 0 {
			p.add(f+".data_types", "at least one data type is required")
		}
		for j, dt := range pr.DataTypes {
			if !types[dt] {
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
			validateEvent(p, fmt.Sprintf("%s.events[%d]", f, j), &pr.Events[j])
		}
	}
}

// validateEvent checks one event and applies its defaults.
func validateEvent(p *problems, f string, e *eventSpec) {
	if !(e.From >= 0 && e.From <= 1) {
		p.add(f+".from", "must be a fraction of the run in [0, 1], got %v", e.From)
	}
	if !(e.To >= 0 && e.To <= 1) {
		p.add(f+".to", "must be a fraction of the run in [0, 1], got %v", e.To)
	} else if e.To <= e.From {
		p.add(f+".to", "must be after from (%v), got %v", e.From, e.To)
	}
	only := func(field, kinds string) {
		p.add(f+"."+field, "applies only to kind %s, not %s", kinds, e.Kind)
	}
	switch e.Kind {
	case eventDown, eventFlapping:
		e.class = providers.Unavailable
		if e.Class != "" {
			c, err := parseFailClass(e.Class)
			if err != nil {
				p.add(f+".class", "%v", err)
			}
			e.class = c
		}
		if e.Factor != 0 {
			only("factor", eventSlow)
		}
		if e.Kind == eventFlapping && e.Period <= 0 {
			p.add(f+".period", "required for flapping: the requests in each down or up phase, at least 1, got %d", e.Period)
		}
		if e.Kind == eventDown && e.Period != 0 {
			only("period", eventFlapping)
		}
	case eventSlow:
		if !(e.Factor > 0) || math.IsInf(e.Factor, 0) {
			p.add(f+".factor", "required for slow: the latency multiplier, positive and finite, got %v", e.Factor)
		}
		if e.Class != "" {
			only("class", "down or flapping")
		}
		if e.Period != 0 {
			only("period", eventFlapping)
		}
	case eventGarbage:
		if e.Class != "" {
			only("class", "down or flapping")
		}
		if e.Factor != 0 {
			only("factor", eventSlow)
		}
		if e.Period != 0 {
			only("period", eventFlapping)
		}
	default:
		p.add(f+".kind", "must be down, slow, garbage or flapping, got %q", e.Kind)
	}
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

// decodeError turns the decoder's "line N: ..." messages into fieldErrors
// naming the field on that line.
func decodeError(err error, lines map[string]int) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return &fieldError{Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	byLine := map[int]string{}
	for path, line := range lines {
		if cur, ok := byLine[line]; !ok || len(path) > len(cur) {
			byLine[line] = path
		}
	}
	errs := make([]error, 0, len(te.Errors))
	for _, msg := range te.Errors {
		e := &fieldError{Msg: msg}
		if m := yamlLineRe.FindStringSubmatch(msg); m != nil {
			fmt.Sscan(m[1], &e.Line)
			e.Msg = msg[len(m[0]):]
			e.Field = byLine[e.Line]
		}
		errs = append(errs, e)
	}
	return errors.Join(errs...)
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
