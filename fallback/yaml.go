package fallback

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/strata-go/strata/internal/strictyaml"
)

// LoadConfig reads a Config from the YAML file at path. See ParseConfig.
func LoadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("fallback: load config: %w", err)
	}
	return ParseConfig(data)
}

// ParseConfig reads a Config from YAML, strictly: an unknown field, a value
// of the wrong type and every rule New checks are errors, each a
// *ConfigError naming the field and its line, joined. The returned Config
// holds what the document says; the defaults are applied by New.
func ParseConfig(data []byte) (Config, error) {
	var cfg Config
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return Config{}, yamlSyntaxError(err)
	}
	if len(root.Content) == 0 {
		// An empty document: validation reports what is missing.
		_, p := cfg.withDefaults()
		return Config{}, p.err()
	}
	lines, unknown := strictyaml.Check(root.Content[0], reflect.TypeFor[Config]())
	var p problems
	for _, u := range unknown {
		p = append(p, &ConfigError{Field: u.Path, Line: u.Line, Msg: u.Msg})
	}
	if len(p) > 0 {
		return Config{}, p.err()
	}
	if err := root.Decode(&cfg); err != nil {
		return Config{}, yamlDecodeError(err, lines)
	}
	_, p = cfg.withDefaults()
	for _, e := range p {
		e.Line = strictyaml.LineOf(lines, e.Field)
	}
	if err := p.err(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

var yamlLine = regexp.MustCompile(`line (\d+): `)

func yamlSyntaxError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	e := &ConfigError{Msg: msg}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		e.Msg = strings.Replace(msg, m[0], "", 1)
	}
	return e
}

// yamlDecodeError turns the decoder's "line N: cannot unmarshal ..." lines
// into ConfigErrors naming the field on that line.
func yamlDecodeError(err error, lines map[string]int) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return yamlSyntaxError(err)
	}
	byLine := make(map[int]string, len(lines))
	for path, line := range lines {
		// Keep the deepest path on each line: the value, not its parent.
		if cur, ok := byLine[line]; !ok || len(path) > len(cur) {
			byLine[line] = path
		}
	}
	var p problems
	for _, msg := range te.Errors {
		e := &ConfigError{Msg: msg}
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			e.Line, _ = strconv.Atoi(m[1])
			e.Msg = strings.Replace(msg, m[0], "", 1)
			e.Field = byLine[e.Line]
		}
		p = append(p, e)
	}
	return p.err()
}
