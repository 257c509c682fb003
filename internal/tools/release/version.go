package main

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// errVersion is the error every refused version matches.
var errVersion = errors.New("not a release version")

// semverRE is a canonical semantic version as Go modules use it: a leading
// v, no leading zeros, an optional pre-release, no build metadata.
var semverRE = regexp.MustCompile(`^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)` +
	`(-(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)(\.(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*)?$`)

// pseudoRE is the tail of a pseudo-version (vX.Y.Z-yyyymmddhhmmss-abcdefabcdef
// and its two other forms), which go reserves for untagged commits.
var pseudoRE = regexp.MustCompile(`(^|[-.])[0-9]{14}-[0-9a-f]{12}$`)

// checkVersion returns nil if v can be a release tag, or an error matching
// errVersion that says what is wrong with it.
func checkVersion(v string) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %q: %s", errVersion, v, fmt.Sprintf(format, args...))
	}
	switch {
	case v == "":
		return fmt.Errorf("%w: no version given (want vMAJOR.MINOR.PATCH, e.g. v0.2.0)", errVersion)
	case !strings.HasPrefix(v, "v"):
		return bad("a module version starts with v (v%s)", v)
	case strings.Contains(v, "+"):
		return bad("build metadata (+...) is not allowed in a module version")
	case !semverRE.MatchString(v):
		return bad("want vMAJOR.MINOR.PATCH or vMAJOR.MINOR.PATCH-PRERELEASE, numbers without leading zeros")
	case pseudoRE.MatchString(v):
		return bad("this is the form of a pseudo-version, which go reserves for untagged commits")
	}
	return nil
}

// major returns the major version of a version checkVersion accepted.
func major(v string) int {
	n, _ := strconv.Atoi(semverRE.FindStringSubmatch(v)[1])
	return n
}

// majorSuffix returns the /vN at the end of a module path (N ≥ 2), or "".
func majorSuffix(path string) string {
	i := strings.LastIndex(path, "/v")
	if i < 0 {
		return ""
	}
	n, err := strconv.Atoi(path[i+2:])
	if err != nil || n < 2 || path[i+2] == '0' {
		return ""
	}
	return path[i:]
}

// checkMajor refuses a version whose major does not match the root module
// path: v0 and v1 need a path without a /vN suffix, vN (N ≥ 2) needs /vN.
func checkMajor(v, rootPath string) error {
	want := ""
	if m := major(v); m >= 2 {
		want = fmt.Sprintf("/v%d", m)
	}
	if got := majorSuffix(rootPath); got != want {
		if want == "" {
			return fmt.Errorf("%w: %q: module %s ends in %s, so its versions are %s.x.y", errVersion, v, rootPath, got, got[1:])
		}
		return fmt.Errorf("%w: %q: a major version above v1 needs the module path to end in %s (%s does not; see https://go.dev/ref/mod#major-version-suffixes)",
			errVersion, v, want, rootPath)
	}
	return nil
}
