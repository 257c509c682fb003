package httpjson_test

import (
	"os"
	"strings"
	"testing"
)

// The httpjson.New snippet of docs/http-providers.md runs as ExampleNew:
// every line of the snippet must appear, in order, in ExampleNew's body.
func TestDocsSnippetMatchesExampleNew(t *testing.T) {
	doc, err := os.ReadFile("../../docs/http-providers.md")
	if err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(doc), "## Writing your own with httpjson")
	if !ok {
		t.Fatal(`docs/http-providers.md has no "Writing your own with httpjson" section`)
	}
	_, after, ok = strings.Cut(after, "```go\n")
	if !ok {
		t.Fatal("the section has no Go snippet")
	}
	snippet, _, _ := strings.Cut(after, "```")
	body := string(example)
	start := strings.Index(body, "func ExampleNew() {")
	if start < 0 {
		t.Fatal("example_test.go has no ExampleNew")
	}
	body = body[start:]
	pos := 0
	for _, line := range strings.Split(snippet, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		i := strings.Index(body[pos:], line)
		if i < 0 {
			t.Fatalf("docs line %q is not in ExampleNew (in order)", line)
		}
		pos += i + len(line)
	}
}
