package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRunPrintsTableWithFallbacks(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), nil, &out))
	text := out.String()
	assert.Contains(t, text, "DATA TYPE")
	assert.Contains(t, text, "21 figures, 0 unanswered")
	// ads_api goes down halfway: its later figures come from the secondary.
	assert.Contains(t, text, "ads_api")
	assert.Contains(t, text, "benchmarks")
	assert.Regexp(t, `answered by layer: primary \d+, secondary \d+`, text)
	lines := strings.Split(strings.TrimSpace(text), "\n")
	assert.Len(t, lines, 1+21+3)
}

func TestRunRejectsBadFlags(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"-nope"}, &out)
	assert.Error(t, err)
}

func TestRunRefusesBadBrief(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-channels", "search", "-keywords", "a", "-market", "USA"}, &out))
	// A market that breaks the schema is refused before any provider.
	assert.Contains(t, out.String(), `param "market": not allowed`)
}
