package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/strata-go/strata/internal/strictyaml"
)

// keysField is a scenario's keys field as written: a list of keys, or a
// mapping that generates them (generateSpec). parseScenario turns either
// into the scenario's Keys.
type keysField struct {
	list []keySpec
	gen  *generateSpec
	node *yaml.Node // as written, for the strict check and the lines
}

// UnmarshalYAML reads a list of keys or a generator; anything else is a
// type error of the field.
func (k *keysField) UnmarshalYAML(n *yaml.Node) error {
	k.node = n
	switch n.Kind {
	case yaml.SequenceNode:
		return n.Decode(&k.list)
	case yaml.MappingNode:
		k.gen = &generateSpec{}
		return n.Decode(k.gen)
	}
	return typeError(n, "a list of keys or a key generator")
}

// generateSpec generates a scenario's keys instead of listing them:
//
//	keys:
//	  generate: 2000
//	  data_types:
//	    - {data_type: cpc, weight: 3, truth: {level: [0.3, 3], trend: [-0.002, 0.003], season_period: 7, season_amplitude: [0.05, 0.15], noise: 0.03}, default_ratio: [0.7, 1.3]}
//	  params:
//	    keyword: {words: 2}
//	    market: {values: [us, uk, de, fr]}
//
// Every draw comes from one generator seeded by the scenario's seed, so a
// scenario generates the same keys on every run and in both systems.
type generateSpec struct {
	// Generate is the number of keys, at most maxGenerated.
	Generate int `yaml:"generate"`
	// DataTypes are what a key can be; each key draws one by weight.
	DataTypes []genDataTypeSpec `yaml:"data_types"`
	// Params are the params every generated key has, by name.
	Params map[string]genParamSpec `yaml:"params"`
}

// genDataTypeSpec is one data type of the generated keys: its share and
// the ranges their truths and defaults are drawn from.
type genDataTypeSpec struct {
	DataType string `yaml:"data_type"`
	// Weight is the data type's relative share of the keys. Default 1.
	Weight float64      `yaml:"weight"`
	Truth  genTruthSpec `yaml:"truth"`
	// DefaultRatio is each key's configured default as a multiple of its
	// truth level: the engineer's guess of the order of magnitude.
	// Default 1.
	DefaultRatio span `yaml:"default_ratio"`
}

// genTruthSpec is truthSpec with each number drawn, per key, from a range.
type genTruthSpec struct {
	Level           span `yaml:"level"`
	Trend           span `yaml:"trend"`
	SeasonPeriod    int  `yaml:"season_period"`
	SeasonAmplitude span `yaml:"season_amplitude"`
	Noise           span `yaml:"noise"`
}

// genParamSpec is how a param's value is drawn: from a list of Values,
// uniformly, or as a made-up phrase of Words words (a keyword).
type genParamSpec struct {
	Values []string `yaml:"values"`
	Words  int      `yaml:"words"`
}

// maxGenerated bounds generate: the resolver's default history and
// forecast memo hold 10000 keys, and beyond them a key's history would be
// evicted before its forecast.
const maxGenerated = 10000

// maxObservations bounds the history a generator loads (keys × points):
// 10000 keys of 500 points (the resolver's in-memory history keeps 512
// per key), some 40 MB of truth.
const maxObservations = 5_000_000

// maxWords bounds a words param: eight words of at most three syllables
// stay well under the 128 bytes a param value may have.
const maxWords = 8

// span is a number drawn per generated key: a number (always that value)
// or [min, max] (uniform between them). The zero span is unset.
type span struct {
	Min, Max float64
	set      bool
}

// UnmarshalYAML reads a number or a two-number sequence.
func (s *span) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		var v float64
		if err := n.Decode(&v); err != nil {
			return err
		}
		*s = span{Min: v, Max: v, set: true}
		return nil
	case yaml.SequenceNode:
		var v []float64
		if err := n.Decode(&v); err != nil {
			return err
		}
		if len(v) != 2 {
			return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: cannot unmarshal !!seq `%s` into a [min, max] range: it has %d values", n.Line, flowText(n), len(v))}}
		}
		*s = span{Min: v[0], Max: v[1], set: true}
		return nil
	}
	return typeError(n, "a number or a [min, max] range")
}

// typeError is the decoder's own form of a type error, so that
// addDecodeErrors finds the field it is about.
func typeError(n *yaml.Node, into string) error {
	msg := fmt.Sprintf("line %d: cannot unmarshal %s", n.Line, n.ShortTag())
	if n.Kind == yaml.ScalarNode {
		msg += " `" + n.Value + "`"
	}
	return &yaml.TypeError{Errors: []string{msg + " into " + into}}
}

// or returns s, or the number d when s is unset.
func (s span) or(d float64) span {
	if !s.set {
		return span{Min: d, Max: d, set: true}
	}
	return s
}

// within reports whether both ends of s satisfy ok.
func (s span) within(ok func(float64) bool) bool { return ok(s.Min) && ok(s.Max) }

func (s span) draw(rng *rand.Rand) float64 {
	if s.Min == s.Max {
		return s.Min
	}
	return s.Min + rng.Float64()*(s.Max-s.Min)
}

func (s span) String() string {
	if s.Min == s.Max {
		return strconv.FormatFloat(s.Min, 'g', -1, 64)
	}
	return fmt.Sprintf("[%v, %v]", s.Min, s.Max)
}

// validate checks the generator, field by field, under keys.; it reports
// whether the generator is sound enough to generate from, and adds the
// data types it declares to types.
func (g *generateSpec) validate(p *problems, points int, types map[string]bool) bool {
	before := len(p.errs)
	switch {
	case g.Generate <= 0 || g.Generate > maxGenerated:
		p.add("keys.generate", "must be a number of keys in [1, %d], got %d", maxGenerated, g.Generate)
	case points > maxObservations/g.Generate:
		p.add("keys.generate", "%d keys × %d history points is over %d observations", g.Generate, points, maxObservations)
	}
	if len(g.DataTypes) == 0 {
		p.add("keys.data_types", "at least one data type is required")
	}
	seen := map[string]int{}
	for i := range g.DataTypes {
		d := &g.DataTypes[i]
		f := fmt.Sprintf("keys.data_types[%d]", i)
		p.uniqueName(f+".data_type", d.DataType, "keys.data_types", i, seen)
		types[d.DataType] = true
		if d.Weight == 0 {
			d.Weight = 1
		} else if !(d.Weight > 0) || math.IsInf(d.Weight, 0) {
			p.add(f+".weight", "must be positive and finite, got %v", d.Weight)
		}
		d.DefaultRatio = d.DefaultRatio.or(1)
		checkSpan(p, f+".default_ratio", d.DefaultRatio, "be finite and not negative", func(v float64) bool { return v >= 0 && !math.IsInf(v, 0) })
		t := &d.Truth
		if !t.Level.set {
			p.add(f+".truth.level", "required: a number or a [min, max] range")
		} else {
			checkSpan(p, f+".truth.level", t.Level, "be positive and finite", func(v float64) bool { return v > 0 && !math.IsInf(v, 0) })
		}
		t.Trend = t.Trend.or(0)
		t.SeasonAmplitude = t.SeasonAmplitude.or(0)
		t.Noise = t.Noise.or(0)
		trendOK := checkSpan(p, f+".truth.trend", t.Trend, "be in (-0.5, 0.5) per period", func(v float64) bool { return v > -0.5 && v < 0.5 })
		checkSpan(p, f+".truth.season_amplitude", t.SeasonAmplitude, "be in [0, 1)", func(v float64) bool { return v >= 0 && v < 1 })
		checkSpan(p, f+".truth.noise", t.Noise, "be in [0, 0.3)", func(v float64) bool { return v >= 0 && v < 0.3 })
		switch {
		case t.SeasonPeriod < 0 || t.SeasonPeriod == 1:
			p.add(f+".truth.season_period", "must be 0 (no season) or at least 2, got %d", t.SeasonPeriod)
		case t.SeasonAmplitude.Max > 0 && t.SeasonPeriod == 0:
			p.add(f+".truth.season_period", "required (at least 2) when season_amplitude is set")
		}
		if trendOK && t.Level.set && t.Level.Max > 0 {
			steepest := max(math.Abs(t.Trend.Min), math.Abs(t.Trend.Max))
			if top := t.Level.Max * math.Pow(1+steepest, float64(points)); !(top < 1e12) {
				p.add(f+".truth.trend", "grows the series past 1e12 over %d periods", points)
			}
		}
	}
	if len(g.Params) == 0 {
		p.add("keys.params", "at least one param is required (a key is a data type and its params)")
	}
	for _, name := range sortedKeys(g.Params) {
		ps := g.Params[name]
		f := "keys.params." + name
		if !dataTypeName.MatchString(name) {
			p.add(f, "param names must match [a-z][a-z0-9_]*")
		}
		switch {
		case len(ps.Values) > 0 && ps.Words != 0:
			p.add(f+".words", "values and words exclude each other")
		case len(ps.Values) == 0 && ps.Words == 0:
			p.add(f, "needs values (a list to draw from) or words (a made-up phrase of that many words)")
		case ps.Words != 0 && (ps.Words < 0 || ps.Words > maxWords):
			p.add(f+".words", "must be in [1, %d], got %d", maxWords, ps.Words)
		}
		firstAt := map[string]int{}
		for i, v := range ps.Values {
			vf := fmt.Sprintf("%s.values[%d]", f, i)
			if !printableParam(v) {
				p.add(vf, "must be a non-empty printable value of at most 128 bytes")
			} else if j, dup := firstAt[v]; dup {
				p.add(vf, "%q is also values[%d]", v, j)
			}
			firstAt[v] = i
		}
	}
	if len(p.errs) > before || p.unread("keys") {
		return false
	}
	if n := g.distinct(); n < g.Generate {
		p.add("keys.generate", "%d keys, but the data types and param values make only %d distinct keys", g.Generate, n)
		return false
	}
	return true
}

// checkSpan checks both ends of s with ok and that min ≤ max.
func checkSpan(p *problems, field string, s span, want string, ok func(float64) bool) bool {
	switch {
	case !s.within(ok):
		p.add(field, "must %s, got %v", want, s)
	case s.Min > s.Max:
		p.add(field, "a range must be [min, max] with min ≤ max, got %v", s)
	default:
		return true
	}
	return false
}

// printableParam reports whether v may be a param value: non-empty,
// printable, at most 128 bytes.
func printableParam(v string) bool {
	return v != "" && len(v) <= 128 && !strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

// distinct returns how many distinct keys the generator can make (at most
// math.MaxInt): a words param makes them unbounded.
func (g *generateSpec) distinct() int {
	n := len(g.DataTypes)
	for _, ps := range g.Params {
		if ps.Words > 0 {
			return math.MaxInt
		}
		if len(ps.Values) > math.MaxInt/max(n, 1) {
			return math.MaxInt
		}
		n *= len(ps.Values)
	}
	return n
}

// keys generates the keys: for each, a data type drawn by weight, each
// param drawn (in the order of their names), redrawn while the key repeats
// an earlier one, then its truth and default drawn from its data type's
// ranges. The generator is seeded by seed alone, so the keys are a pure
// function of the scenario. It fails only when the draws cannot find
// enough distinct keys (validate checks there are enough).
func (g *generateSpec) keys(seed uint64) ([]keySpec, error) {
	rng := rand.New(rand.NewPCG(seed, 0x6b657973)) // "keys"
	var total float64
	for _, d := range g.DataTypes {
		total += d.Weight
	}
	names := sortedKeys(g.Params)
	seen := make(map[string]bool, g.Generate)
	out := make([]keySpec, 0, g.Generate)
	// A coupon collector drawing every one of n keys takes about n·ln n
	// draws; this is far more, and bounds a generator validate let pass.
	budget := max(50*g.Generate, 10000)
	for len(out) < g.Generate {
		if budget--; budget < 0 {
			return nil, fmt.Errorf("drew only %d distinct keys of %d", len(out), g.Generate)
		}
		d := &g.DataTypes[len(g.DataTypes)-1]
		for i, x := 0, rng.Float64()*total; i < len(g.DataTypes); i++ {
			if x -= g.DataTypes[i].Weight; x < 0 {
				d = &g.DataTypes[i]
				break
			}
		}
		params := make(map[string]string, len(names))
		for _, name := range names {
			ps := g.Params[name]
			if ps.Words > 0 {
				params[name] = phrase(rng, ps.Words)
			} else {
				params[name] = ps.Values[rng.IntN(len(ps.Values))]
			}
		}
		ck := canonicalKey(d.DataType, params)
		if seen[ck] {
			continue
		}
		seen[ck] = true
		t := d.Truth
		level := t.Level.draw(rng)
		out = append(out, keySpec{
			DataType: d.DataType,
			Params:   params,
			Truth: truthSpec{
				Level:           level,
				Trend:           t.Trend.draw(rng),
				SeasonPeriod:    t.SeasonPeriod,
				SeasonAmplitude: t.SeasonAmplitude.draw(rng),
				Noise:           t.Noise.draw(rng),
			},
			Default: level * d.DefaultRatio.draw(rng),
		})
	}
	return out, nil
}

// The syllables of made-up words: a consonant and a vowel.
const (
	consonants = "bdfgklmnprstvz"
	vowels     = "aeiou"
)

// phrase returns n made-up words of two or three syllables ("tavo
// mireki"), separated by spaces.
func phrase(rng *rand.Rand, n int) string {
	words := make([]string, n)
	for i := range words {
		var b strings.Builder
		for range 2 + rng.IntN(2) {
			b.WriteByte(consonants[rng.IntN(len(consonants))])
			b.WriteByte(vowels[rng.IntN(len(vowels))])
		}
		words[i] = b.String()
	}
	return strings.Join(words, " ")
}

// checkKeysNode checks the keys field as written against the type it is
// read into — a list of keySpec or a generateSpec — for unknown fields,
// and records the line of every path under it.
func (p *problems) checkKeysNode(k *keysField) {
	if k.node == nil {
		return
	}
	t := typeOfKeyList
	if k.gen != nil {
		t = typeOfGenerate
	}
	lines, unknown := strictyaml.Check(k.node, t)
	for path, line := range lines {
		p.lines[keysPath(path)] = line
	}
	for _, u := range unknown {
		p.errs = append(p.errs, &fieldError{Field: keysPath(u.Path), Line: u.Line, Msg: u.Msg})
	}
}

// keysPath puts a path under keys ("[0].truth" → "keys[0].truth",
// "params.x" → "keys.params.x").
func keysPath(path string) string {
	if strings.HasPrefix(path, "[") {
		return "keys" + path
	}
	return "keys." + path
}
