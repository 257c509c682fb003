package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSkipped(t *testing.T) {
	for dir, want := range map[string]string{
		".":                     "",
		"cache/redisstore":      "",
		"otel":                  "",
		"examples/demo":         "examples",
		"cache/example/x":       "example",
		"internal/tools/x":      "internal",
		"sub/testdata/mod":      "ignored",
		"vendor/example.com/x":  "ignored",
		".github/x":             "ignored",
		"_scratch":              "ignored",
		"internal/testdata/mod": "ignored",
	} {
		assert.Equal(t, want, skipped(dir), dir)
	}
}

func TestRelDir(t *testing.T) {
	for _, tc := range [][3]string{
		{"cache/redisstore", ".", "../.."},
		{"sub", ".", ".."},
		{"cache/redisstore", "otel", "../../otel"},
		{".", "cache/redisstore", "./cache/redisstore"},
		{"otel", "prometheus", "../prometheus"},
	} {
		assert.Equal(t, tc[2], relDir(tc[0], tc[1]), "from %s to %s", tc[0], tc[1])
	}
}
