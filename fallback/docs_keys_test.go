package fallback

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// docPages are the pages whose config keys TestDocumentedKeysExist checks:
// README.md and docs/, but for the measurement reports.
var docPages = []string{
	"../README.md",
	"../docs/degraded.md",
	"../docs/hostile.md",
	"../docs/http-providers.md",
	"../docs/stability.md",
	"../docs/state.md",
	"../docs/telemetry.md",
}

// docKey matches a key path as the docs quote one: `resolve.reserve`,
// `providers[].timeout`, `breaker.*`, `plausibility:`.
var docKey = regexp.MustCompile("`([a-z_]+(?:\\[\\])?(?:\\.[a-z_*]+(?:\\[\\])?)*):?`")

// Every key path the docs quote from the YAML config — one that starts
// with a key of Config, of a data type or of a provider — is one
// LoadConfig reads: a renamed or removed key fails here, not in a
// user's strict LoadConfig.
func TestDocumentedKeysExist(t *testing.T) {
	roots := []reflect.Type{reflect.TypeFor[Config](), reflect.TypeFor[DataTypeConfig](), reflect.TypeFor[ProviderConfig]()}
	checked := 0
	for _, page := range docPages {
		src, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range docKey.FindAllStringSubmatch(string(src), -1) {
			path := strings.Split(m[1], ".")
			if len(path) == 1 && !strings.HasSuffix(m[0], ":`") && !strings.HasSuffix(path[0], "[]") {
				continue // one word: a key or not, the text decides
			}
			for _, root := range roots {
				if _, ok := yamlField(root, strings.TrimSuffix(path[0], "[]")); !ok {
					continue
				}
				checked++
				if !yamlPath(root, path) {
					t.Errorf("%s: `%s` is not a key of the config (from %s)", page, m[1], root.Name())
				}
				break
			}
		}
	}
	if checked < 40 {
		t.Errorf("only %d keys checked: the pattern no longer finds the docs' keys", checked)
	}
}

// yamlPath reports whether path names a key under t; "x[]" is a list's
// (or a map's) element, "*" any key.
func yamlPath(t reflect.Type, path []string) bool {
	t = deref(t)
	if len(path) == 0 {
		return true
	}
	seg := path[0]
	if seg == "*" {
		return t.Kind() == reflect.Struct && len(path) == 1
	}
	elem := strings.HasSuffix(seg, "[]")
	ft, ok := yamlField(t, strings.TrimSuffix(seg, "[]"))
	if !ok {
		return false
	}
	if elem {
		ft = deref(ft)
		if ft.Kind() != reflect.Slice && ft.Kind() != reflect.Map {
			return false
		}
		ft = ft.Elem()
	}
	return yamlPath(ft, path[1:])
}

// yamlField returns the type of t's field whose YAML key is name, looking
// into inlined fields.
func yamlField(t reflect.Type, name string) (reflect.Type, bool) {
	t = deref(t)
	if t.Kind() != reflect.Struct {
		return nil, false
	}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		key, opts, _ := strings.Cut(tag, ",")
		switch {
		case strings.Contains(opts, "inline"):
			if ft, ok := yamlField(f.Type, name); ok {
				return ft, true
			}
		case key == name:
			return f.Type, true
		}
	}
	return nil, false
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}
