package fallback

import (
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"

	"go.yaml.in/yaml/v3"

	"github.com/strata-go/strata/internal/strictyaml"
)

// MaxConfigBytes is the largest configuration LoadConfig and ParseConfig
// read: a larger one is a *ConfigError. The default segments of 2000 keys
// take about 255 KB.
const MaxConfigBytes = 16 << 20

// LoadConfig reads a Config from the YAML file at path, at most
// MaxConfigBytes of it. See ParseConfig.
func LoadConfig(path string) (Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return Config{}, fmt.Errorf("fallback: load config: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxConfigBytes+1))
	if err != nil {
		return Config{}, fmt.Errorf("fallback: load config: %w", err)
	}
	return ParseConfig(data)
}

// ParseConfig reads a Config from YAML, strictly: an unknown field, a value
// of the wrong type, a second document (after "---", even an empty one)
// and every rule New checks are errors, each a *ConfigError naming the
// field and its line, joined. The returned Config holds what the document
// says; the defaults are applied by New.
func ParseConfig(data []byte) (Config, error) {
	var cfg Config
	if len(data) > MaxConfigBytes {
		return cfg, &ConfigError{Msg: fmt.Sprintf("the document is over %d bytes (MaxConfigBytes)", MaxConfigBytes)}
	}
	root, err := strictyaml.Document(data)
	var second strictyaml.Problem
	switch {
	case errors.As(err, &second):
		return Config{}, &ConfigError{Line: second.Line, Msg: second.Msg}
	case err != nil:
		return Config{}, yamlSyntaxError(err)
	case root == nil:
		// An empty document: validation reports what is missing.
		_, p := cfg.withDefaults()
		return Config{}, p.err()
	}
	lines, unknown := strictyaml.CheckTypes(root, reflect.TypeFor[Config]())
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

func yamlSyntaxError(err error) error {
	line, msg := strictyaml.SplitLine(err.Error())
	return &ConfigError{Line: line, Msg: msg}
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
		line, msg := strictyaml.SplitLine(msg)
		p = append(p, &ConfigError{Field: byLine[line], Line: line, Msg: msg})
	}
	return p.err()
}
