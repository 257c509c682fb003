package fallback

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"reflect"
	"strings"
	"testing"
)

// Every field LoadConfig reads, in the config structs this package
// declares, is documented: its name (or its YAML key) is in its own doc
// comment, in that of a field of the same struct (fields documented
// together, as ConfirmAfter and ConfirmAnswers are) or in the type's. A field added without a word fails
// here, not in a user's guess at what it does.
func TestEveryConfigFieldIsDocumented(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi os.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string]string{} // struct type name → its and its fields' doc comments
	for _, f := range pkgs["fallback"].Files {
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.TYPE {
				continue
			}
			for _, spec := range g.Specs {
				ts := spec.(*ast.TypeSpec)
				st, ok := ts.Type.(*ast.StructType)
				if !ok {
					continue
				}
				var b strings.Builder
				b.WriteString(g.Doc.Text())
				b.WriteString(ts.Doc.Text())
				for _, fl := range st.Fields.List {
					b.WriteString(fl.Doc.Text())
					b.WriteString(fl.Comment.Text())
				}
				docs[ts.Name.Name] = b.String()
			}
		}
	}
	pkg := reflect.TypeFor[Config]().PkgPath()
	seen := map[reflect.Type]bool{}
	checked := 0
	var walk func(reflect.Type)
	walk = func(typ reflect.Type) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice || typ.Kind() == reflect.Map {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || typ.PkgPath() != pkg || seen[typ] {
			return
		}
		seen[typ] = true
		doc, ok := docs[typ.Name()]
		if !ok {
			t.Errorf("%s: no declaration found", typ.Name())
			return
		}
		for i := range typ.NumField() {
			f := typ.Field(i)
			if !f.IsExported() || f.Tag.Get("yaml") == "-" {
				continue
			}
			checked++
			key, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if !strings.Contains(doc, f.Name) && (key == "" || !strings.Contains(doc, key)) {
				t.Errorf("%s.%s (yaml %q) is not named in any field's doc comment", typ.Name(), f.Name, f.Tag.Get("yaml"))
			}
			walk(f.Type)
		}
	}
	walk(reflect.TypeFor[Config]())
	if checked < 100 {
		t.Errorf("only %d fields checked: the walk no longer reaches the config", checked)
	}
}
