package main

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// errChangelog is the error every refused CHANGELOG.md matches.
var errChangelog = errors.New("CHANGELOG.md")

// unreleasedRE is the heading of Keep a Changelog's Unreleased section.
var unreleasedRE = regexp.MustCompile(`(?i)^##\s+\[?unreleased\]?\s*$`)

// linkRefRE is a link reference definition ("[0.2.0]: https://..."), the
// block Keep a Changelog ends with.
var linkRefRE = regexp.MustCompile(`^\[[^\]]+\]:\s`)

// releaseChangelog returns text with the entries of its Unreleased section
// moved under "## [X.Y.Z] - date" (the version without its v, as Keep a
// Changelog writes it), leaving an empty Unreleased section above. It
// refuses, with an error matching errChangelog, a text without an
// Unreleased section, one whose Unreleased section is empty (a release says
// what it changes), and one that already has a section for the version.
func releaseChangelog(text, version, date string) (string, error) {
	heading := fmt.Sprintf("## [%s] - %s", strings.TrimPrefix(version, "v"), date)
	lines := strings.SplitAfter(text, "\n")
	start := -1
	for i, l := range lines {
		trimmed := strings.TrimSpace(l)
		if unreleasedRE.MatchString(trimmed) && start < 0 {
			start = i
		}
		if strings.HasPrefix(trimmed, fmt.Sprintf("## [%s]", strings.TrimPrefix(version, "v"))) {
			return "", fmt.Errorf("%w: line %d already has a section for %s", errChangelog, i+1, version)
		}
	}
	if start < 0 {
		return "", fmt.Errorf("%w: no \"## [Unreleased]\" section to release", errChangelog)
	}
	end := start + 1
	for end < len(lines) {
		trimmed := strings.TrimSpace(lines[end])
		if strings.HasPrefix(trimmed, "## ") || linkRefRE.MatchString(trimmed) {
			break
		}
		end++
	}
	body := strings.Join(lines[start+1:end], "")
	if strings.TrimSpace(body) == "" {
		return "", fmt.Errorf("%w: the Unreleased section (line %d) is empty: say what %s changes", errChangelog, start+1, version)
	}
	var b strings.Builder
	b.WriteString(strings.Join(lines[:start+1], ""))
	if !strings.HasSuffix(lines[start], "\n") {
		b.WriteString("\n")
	}
	b.WriteString("\n" + heading + "\n")
	if !strings.HasPrefix(body, "\n") {
		b.WriteString("\n")
	}
	b.WriteString(body)
	b.WriteString(strings.Join(lines[end:], ""))
	return b.String(), nil
}
