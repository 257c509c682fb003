package main

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/strata-go/strata/examples/internal/cli"
	"github.com/strata-go/strata/internal/fuzzy"
	"github.com/strata-go/strata/internal/strictyaml"
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
		return brief{}, fmt.Errorf("-brief: cannot read %s: %w", path, unwrapPath(err))
	}
	b, err := parseBrief(data, base)
	if err != nil {
		return brief{}, fmt.Errorf("-brief %s: %w", path, err)
	}
	return b, nil
}

// unwrapPath drops the operation and path an *fs.PathError repeats ("open
// x: no such file or directory" is "no such file or directory").
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// briefFields are the fields a brief file may set, in the order the
// errors list them.
var briefFields = []string{"industry", "market", "month", "budget", "channels", "keywords", "goal"}

// parseBrief decodes data over base. Every problem is named by its line
// and field, in words ("line 3: month \"13\": not a month (...)"); a list
// may be written as a YAML list or as one comma-separated string.
func parseBrief(data []byte, base brief) (brief, error) {
	root, err := strictyaml.Document(data)
	if err != nil {
		var p strictyaml.Problem
		if errors.As(err, &p) {
			return brief{}, fmt.Errorf("line %d: %s", p.Line, p.Msg)
		}
		line, msg := strictyaml.SplitLine(err.Error())
		return brief{}, fmt.Errorf("line %d: not YAML or JSON (%s)", line, msg)
	}
	b := base
	if root == nil {
		return b, nil
	}
	if root.Kind != yaml.MappingNode {
		return brief{}, fmt.Errorf("line %d: want the brief's fields (%s), one per line", root.Line, strings.Join(briefFields, ", "))
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, val := root.Content[i], root.Content[i+1]
		bad := func(err error) error {
			return fmt.Errorf("line %d: %s: %w", val.Line, key.Value, err)
		}
		if !slices.Contains(briefFields, key.Value) {
			msg := fmt.Sprintf("line %d: unknown field %q", key.Line, key.Value)
			if s := fuzzy.Suggest(key.Value, briefFields); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			return brief{}, fmt.Errorf("%s; the fields are %s", msg, strings.Join(briefFields, ", "))
		}
		if seen[key.Value] {
			return brief{}, fmt.Errorf("line %d: %s is given twice", key.Line, key.Value)
		}
		seen[key.Value] = true
		switch key.Value {
		case "channels", "keywords":
			list, err := stringList(val)
			if err != nil {
				return brief{}, bad(err)
			}
			if key.Value == "channels" {
				b.Channels, err = checkChannels(list)
			} else {
				b.Keywords, err = checkKeywords(list)
			}
			if err != nil {
				return brief{}, bad(err)
			}
			continue
		}
		if val.Kind != yaml.ScalarNode {
			return brief{}, bad(errors.New("want one value, not a list or a mapping"))
		}
		v := val.Value
		switch key.Value {
		case "industry":
			b.Industry, err = parseIndustry(v)
		case "market":
			b.Market, err = parseMarket(v)
		case "month":
			b.Month, err = parseMonth(v)
		case "goal":
			b.Goal, err = parseGoal(v)
		case "budget":
			b.Budget, err = parseBudget(v)
		}
		if err != nil {
			return brief{}, fmt.Errorf("line %d: %s %q: %w", val.Line, key.Value, v, err)
		}
	}
	return b, nil
}

// stringList reads a YAML list of plain values, or one comma-separated
// string.
func stringList(n *yaml.Node) ([]string, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		return splitList(n.Value), nil
	case yaml.SequenceNode:
		out := make([]string, 0, len(n.Content))
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				return nil, errors.New("want plain values in the list, not lists or mappings")
			}
			out = append(out, strings.TrimSpace(c.Value))
		}
		return out, nil
	}
	return nil, errors.New("want a list, such as [search, social], or a comma-separated string")
}

// check validates a whole brief (the fields parseBrief and the flags
// check one by one, and their limits together).
func (b *brief) check() error {
	if _, err := parseIndustry(b.Industry); err != nil {
		return fmt.Errorf("industry %q: %w", b.Industry, err)
	}
	if _, err := parseMarket(b.Market); err != nil {
		return fmt.Errorf("market %q: %w", b.Market, err)
	}
	if _, err := parseMonth(b.Month); err != nil {
		return fmt.Errorf("month %q: %w", b.Month, err)
	}
	if err := checkBudget(b.Budget); err != nil {
		return fmt.Errorf("budget %v: %w", b.Budget, err)
	}
	if _, err := checkChannels(b.Channels); err != nil {
		return fmt.Errorf("channels: %w", err)
	}
	if _, err := checkKeywords(b.Keywords); err != nil {
		return fmt.Errorf("keywords: %w", err)
	}
	if _, err := parseGoal(b.Goal); err != nil {
		return fmt.Errorf("goal %q: %w", b.Goal, err)
	}
	return nil
}

// The channels a plan can use: config.yaml's allowed values.
var channelNames = []string{"search", "social", "display"}

// Patterns the resolver's schema also holds (config.yaml), checked here
// so that the person hears about a bad value in words.
var (
	industryRe = regexp.MustCompile(`^[a-z_]+$`)
	marketRe   = regexp.MustCompile(`^[a-z]{2}$`)
)

// maxKeywordLen is config.yaml's max_length of the keyword param, in bytes.
const maxKeywordLen = 80

// parseIndustry reads an industry name, lowercased.
func parseIndustry(s string) (string, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	if len(v) > 64 || !industryRe.MatchString(v) {
		return "", errors.New("want an industry in letters and _, such as retail, ecommerce or home_goods")
	}
	return v, nil
}

// parseMarket reads a two-letter market code, lowercased.
func parseMarket(s string) (string, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	if !marketRe.MatchString(v) {
		return "", errors.New("want a two-letter market code, such as us, gb or de")
	}
	return v, nil
}

// parseMonth reads a month as a number (1 to 12, 01 to 12) or an English
// name or its first three letters, and returns it as 01 to 12.
func parseMonth(s string) (string, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	if n, err := strconv.Atoi(v); err == nil && n >= 1 && n <= 12 {
		return fmt.Sprintf("%02d", n), nil
	}
	for m := time.January; m <= time.December; m++ {
		name := strings.ToLower(m.String())
		if v == name || v == name[:3] || (m == time.September && v == "sept") {
			return fmt.Sprintf("%02d", int(m)), nil
		}
	}
	return "", errors.New("not a month (the months are 01 to 12, or jan to dec)")
}

// parseGoal reads what the plan maximises.
func parseGoal(s string) (string, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	switch v {
	case goalConversions, goalClicks, goalImpressions:
		return v, nil
	}
	return "", errors.New("want conversions, clicks or impressions")
}

// parseBudget reads the monthly advertising budget.
func parseBudget(s string) (float64, error) {
	v, err := cli.Number(s)
	if err != nil {
		return 0, fmt.Errorf("not a number: %s", wantBudget)
	}
	if err := checkBudget(v); err != nil {
		return 0, err
	}
	return v, nil
}

// wantBudget says what a budget may be.
var wantBudget = fmt.Sprintf("want an amount between 0.01 and %.0f", float64(maxBudget))

func checkBudget(v float64) error {
	if math.IsNaN(v) || v < 0.01 || v > maxBudget {
		return errors.New(wantBudget)
	}
	return nil
}

// checkChannels checks a list of channels and returns it lowercased.
func checkChannels(list []string) ([]string, error) {
	valid := "the channels are " + strings.Join(channelNames[:len(channelNames)-1], ", ") + " and " + channelNames[len(channelNames)-1]
	if len(list) == 0 {
		return nil, fmt.Errorf("no channel given (%s)", valid)
	}
	out := make([]string, len(list))
	for i, c := range list {
		out[i] = strings.ToLower(strings.TrimSpace(c))
		if !slices.Contains(channelNames, out[i]) {
			return nil, fmt.Errorf("unknown channel %q (%s)", c, valid)
		}
	}
	if d := firstDuplicate(out); d != "" {
		return nil, fmt.Errorf("%q is given twice", d)
	}
	return out, nil
}

// checkKeywords checks a list of keywords.
func checkKeywords(list []string) ([]string, error) {
	switch {
	case len(list) == 0:
		return nil, errors.New("no keyword given")
	case len(list) > maxKeywords:
		return nil, fmt.Errorf("%d given, at most %d", len(list), maxKeywords)
	}
	for _, k := range list {
		switch {
		case k == "":
			return nil, errors.New("an empty keyword")
		case len(k) > maxKeywordLen:
			return nil, fmt.Errorf("a keyword of %d bytes, at most %d (%q...)", len(k), maxKeywordLen, prefix(k, 20))
		case !printable(k):
			return nil, fmt.Errorf("%q has a control character or is not UTF-8", k)
		}
	}
	if d := firstDuplicate(list); d != "" {
		return nil, fmt.Errorf("%q is given twice", d)
	}
	return list, nil
}

// prefix is s cut to at most n bytes on a rune boundary.
func prefix(s string, n int) string {
	for i := range s {
		if i > n {
			return s[:i]
		}
	}
	return s
}

// printable reports whether s is valid UTF-8 without control characters,
// as the resolver's params must be.
func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	return !strings.ContainsFunc(s, unicode.IsControl)
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
