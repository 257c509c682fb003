package fallback

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// docs/stability.md promises, for every v0 release, that strata "opens no
// sockets, starts no servers, reads no environment variables and registers
// no global metrics" (README: the host owns all I/O). This holds the
// library's code to it: no file of any module's packages — examples, the
// release tool, tests and test helpers aside — calls what would break it.
func TestTheLibraryDoesNoIOOfItsOwn(t *testing.T) {
	banned := map[string]map[string]bool{
		"os":       nameSet("Getenv", "LookupEnv", "Environ", "ExpandEnv"),
		"syscall":  nameSet("Getenv", "Environ"),
		"net":      nameSet("Dial", "DialTimeout", "DialTCP", "DialUDP", "DialIP", "DialUnix", "Listen", "ListenPacket", "ListenTCP", "ListenUDP", "ListenIP", "ListenUnix", "ListenUnixgram", "ListenMulticastUDP"),
		"net/http": nameSet("ListenAndServe", "ListenAndServeTLS", "Serve", "ServeTLS", "Get", "Head", "Post", "PostForm", "DefaultClient", "Handle", "HandleFunc", "DefaultServeMux"),
		"github.com/prometheus/client_golang/prometheus": nameSet("MustRegister", "Register", "DefaultRegisterer", "DefaultGatherer"),
		"go.opentelemetry.io/otel":                       nameSet("SetTracerProvider", "SetMeterProvider", "SetTextMapPropagator"),
	}
	// Importing these registers handlers or variables on the process's
	// default mux.
	bannedImports := nameSet("expvar", "net/http/pprof")

	files := 0
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "examples", "testdata", "tools", ".git", ".ci",
				"adaptertest": // the adapters' test helpers
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		files++
		names := map[string]string{} // the file's name for each import path
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if bannedImports[p] {
				t.Errorf("%s imports %s", path, p)
			}
			name := p[strings.LastIndex(p, "/")+1:]
			if imp.Name != nil {
				name = imp.Name.Name
			}
			names[name] = p
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && banned[names[x.Name]][sel.Sel.Name] {
				t.Errorf("%s uses %s.%s", path, names[x.Name], sel.Sel.Name)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 100 {
		t.Fatalf("read %d files of the library, want them all", files)
	}
}

func nameSet(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}
