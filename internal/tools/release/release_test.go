package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The tests release temporary repositories shaped like strata's: a root
// module, a nested module that requires it with a replace, an example module
// requiring both (edited, not tagged), a go.mod under testdata (ignored), a
// go.work and a CHANGELOG.md.

const (
	rootGoMod = "module example.com/lib\n\ngo 1.25.0\n"
	subGoMod  = `module example.com/lib/sub

go 1.25.0

require example.com/lib v0.1.0

replace example.com/lib => ../
`
	demoGoMod = `module example.com/lib/examples/demo

go 1.25.0

require (
	example.com/lib v0.1.0
	example.com/lib/sub v0.1.0
)

replace (
	example.com/lib => ../..
	example.com/lib/sub => ../../sub
)
`
	ignoredGoMod = "module example.com/fixture\n\ngo 1.25.0\n\nrequire example.com/lib v0.0.1\n"
	workFileText = "go 1.25.0\n\nuse (\n\t.\n\t./examples/demo\n\t./sub\n)\n"
	changelog    = `# Changelog

## [Unreleased]

### Added

- Everything.

## [0.1.0] - 2026-01-01

### Added

- The start.

[0.1.0]: https://example.com/lib/releases/v0.1.0
`
)

// TestMain gives git, for every test, a fixed identity and no user or
// system config (set once here, so that tests can run in parallel).
func TestMain(m *testing.M) {
	for k, v := range map[string]string{
		"GIT_CONFIG_GLOBAL":   os.DevNull,
		"GIT_CONFIG_NOSYSTEM": "1",
		"GIT_AUTHOR_NAME":     "Release Test",
		"GIT_AUTHOR_EMAIL":    "release@example.com",
		"GIT_COMMITTER_NAME":  "Release Test",
		"GIT_COMMITTER_EMAIL": "release@example.com",
	} {
		os.Setenv(k, v)
	}
	os.Exit(m.Run())
}

// newRepo makes a committed repository with files (name → content) and
// returns its directory.
func newRepo(t *testing.T, files map[string]string) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("release drives git, which is not installed")
	}
	dir := t.TempDir()
	for name, text := range files {
		writeFile(t, dir, name, text)
	}
	gitT(t, dir, "init", "-q", "-b", "main")
	gitT(t, dir, "add", "-A")
	gitT(t, dir, "commit", "-q", "-m", "start")
	return dir
}

// fixture returns the files of a releasable repository.
func fixture() map[string]string {
	return map[string]string{
		"go.mod":                    rootGoMod,
		"lib.go":                    "package lib\n",
		"sub/go.mod":                subGoMod,
		"sub/sub.go":                "package sub\n",
		"examples/demo/go.mod":      demoGoMod,
		"examples/demo/main.go":     "package main\n\nfunc main() {}\n",
		"sub/testdata/mod/go.mod":   ignoredGoMod,
		"go.work":                   workFileText,
		"CHANGELOG.md":              changelog,
		"internal/tools/x/README":   "not a module\n",
		"examples/demo/testdata/in": "data\n",
	}
}

func writeFile(t *testing.T, dir, name, text string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
}

func readFile(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
	require.NoError(t, err)
	return string(b)
}

// gitT runs git in dir and returns its trimmed output.
func gitT(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := repo{dir: dir}.git(context.Background(), args...)
	require.NoError(t, err)
	return strings.TrimSpace(out)
}

// tags returns the repository's tags, sorted.
func tags(t *testing.T, dir string) []string {
	t.Helper()
	out := gitT(t, dir, "tag", "--list")
	if out == "" {
		return nil
	}
	return strings.Split(out, "\n")
}

// release runs the command on dir with args and returns its output.
func release(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), append([]string{"-C", dir, "-date", "2026-02-03"}, args...), &out)
	return out.String(), err
}

func TestReleaseTagsEveryModuleAndRewritesRequires(t *testing.T) {
	t.Parallel()
	dir := newRepo(t, fixture())
	start := gitT(t, dir, "rev-parse", "HEAD")

	out, err := release(t, dir, "v0.2.0")
	require.NoError(t, err, out)

	head := gitT(t, dir, "rev-parse", "HEAD")
	assert.Equal(t, start, gitT(t, dir, "rev-parse", "HEAD~1"), "one release commit on top of the start")
	assert.Equal(t, "Release v0.2.0", gitT(t, dir, "log", "-1", "--format=%s"))
	assert.Equal(t, []string{"sub/v0.2.0", "v0.2.0"}, tags(t, dir), "the root and the nested module; the example is not tagged")
	for _, tag := range []string{"v0.2.0", "sub/v0.2.0"} {
		assert.Equal(t, head, gitT(t, dir, "rev-list", "-n", "1", tag), "%s tags the release commit", tag)
		assert.Equal(t, "tag", gitT(t, dir, "cat-file", "-t", tag), "%s is annotated", tag)
	}
	assert.Empty(t, gitT(t, dir, "status", "--porcelain"), "everything it wrote is committed")

	assert.Equal(t, strings.Replace(subGoMod, "example.com/lib v0.1.0", "example.com/lib v0.2.0", 1), readFile(t, dir, "sub/go.mod"),
		"the nested module requires the released root and keeps its replace")
	assert.Equal(t, strings.ReplaceAll(demoGoMod, " v0.1.0", " v0.2.0"), readFile(t, dir, "examples/demo/go.mod"),
		"an untagged module is kept in step with both")
	assert.Equal(t, ignoredGoMod, readFile(t, dir, "sub/testdata/mod/go.mod"), "a go.mod under testdata is no module")
	assert.Equal(t, rootGoMod, readFile(t, dir, "go.mod"))

	assert.Equal(t, `# Changelog

## [Unreleased]

## [0.2.0] - 2026-02-03

### Added

- Everything.

## [0.1.0] - 2026-01-01

### Added

- The start.

[0.1.0]: https://example.com/lib/releases/v0.1.0
`, readFile(t, dir, "CHANGELOG.md"))

	assert.Contains(t, out, "sub/go.mod: require example.com/lib v0.1.0 => v0.2.0")
	assert.Contains(t, out, "examples/demo/go.mod: require example.com/lib/sub v0.1.0 => v0.2.0")
	assert.Contains(t, out, "not tagged (examples)")
	assert.Contains(t, out, "git push --atomic origin HEAD v0.2.0 sub/v0.2.0")
}

func TestReleaseDryRunChangesNothing(t *testing.T) {
	t.Parallel()
	dir := newRepo(t, fixture())
	start := gitT(t, dir, "rev-parse", "HEAD")

	out, err := release(t, dir, "-dry-run", "v0.2.0-rc.1")
	require.NoError(t, err, out)

	assert.Equal(t, start, gitT(t, dir, "rev-parse", "HEAD"))
	assert.Empty(t, tags(t, dir))
	assert.Empty(t, gitT(t, dir, "status", "--porcelain"), "no file written")
	assert.Contains(t, out, "tag v0.2.0-rc.1")
	assert.Contains(t, out, "tag sub/v0.2.0-rc.1")
	assert.Contains(t, out, "sub/go.mod: require example.com/lib v0.1.0 => v0.2.0-rc.1")
	assert.Contains(t, out, `"## [0.2.0-rc.1] - 2026-02-03"`)
	assert.Contains(t, out, `commit: "Release v0.2.0-rc.1"`)
	assert.Contains(t, out, "dry run: nothing written, committed or tagged")
}

func TestReleaseRefuses(t *testing.T) {
	for _, tc := range []struct {
		name    string
		version string
		setup   func(t *testing.T, dir string)
		is      error
		says    string
	}{
		{name: "no v", version: "1.2.3", is: errVersion, says: `"1.2.3": a module version starts with v (v1.2.3)`},
		{name: "two numbers", version: "v1.2", is: errVersion, says: "want vMAJOR.MINOR.PATCH"},
		{name: "leading zero", version: "v0.02.0", is: errVersion, says: "without leading zeros"},
		{name: "build metadata", version: "v0.2.0+build.1", is: errVersion, says: "build metadata"},
		{name: "pseudo-version", version: "v0.0.0-20260102030405-abcdefabcdef", is: errVersion, says: "pseudo-version"},
		{name: "major above 1", version: "v2.0.0", is: errVersion, says: "needs the module path to end in /v2"},
		{name: "modified file", version: "v0.2.0",
			setup: func(t *testing.T, dir string) { writeFile(t, dir, "lib.go", "package lib // changed\n") },
			is:    errDirty, says: "M lib.go"},
		{name: "untracked file", version: "v0.2.0",
			setup: func(t *testing.T, dir string) { writeFile(t, dir, "new.go", "package lib\n") },
			is:    errDirty, says: "?? new.go"},
		{name: "nested tag exists", version: "v0.2.0",
			setup: func(t *testing.T, dir string) { gitT(t, dir, "tag", "sub/v0.2.0") },
			is:    errTagExists, says: "sub/v0.2.0 already tagged"},
		{name: "root tag exists", version: "v0.1.0",
			setup: func(t *testing.T, dir string) { gitT(t, dir, "tag", "-a", "-m", "old", "v0.1.0") },
			is:    errTagExists, says: "v0.1.0 already tagged"},
		{name: "empty Unreleased", version: "v0.2.0",
			setup: func(t *testing.T, dir string) {
				commitFile(t, dir, "CHANGELOG.md", "# Changelog\n\n## [Unreleased]\n\n## [0.1.0] - 2026-01-01\n\n- x\n")
			},
			is: errChangelog, says: "the Unreleased section (line 3) is empty"},
		{name: "no CHANGELOG.md", version: "v0.2.0",
			setup: func(t *testing.T, dir string) {
				gitT(t, dir, "rm", "-q", "CHANGELOG.md")
				gitT(t, dir, "commit", "-q", "-m", "x")
			},
			is: errChangelog, says: "CHANGELOG.md"},
		{name: "go.work misses a module", version: "v0.2.0",
			setup: func(t *testing.T, dir string) {
				commitFile(t, dir, "go.work", "go 1.25.0\n\nuse (\n\t.\n\t./examples/demo\n)\n")
			},
			is: errRepo, says: "go.work does not use sub (add it with: go work use ./sub)"},
		{name: "no replace", version: "v0.2.0",
			setup: func(t *testing.T, dir string) {
				commitFile(t, dir, "sub/go.mod", "module example.com/lib/sub\n\ngo 1.25.0\n\nrequire example.com/lib v0.1.0\n")
			},
			is: errRepo, says: "sub/go.mod requires example.com/lib but does not replace it with .. (add: replace example.com/lib => ..;"},
		{name: "module path not its directory", version: "v0.2.0",
			setup: func(t *testing.T, dir string) {
				commitFile(t, dir, "sub/go.mod", strings.Replace(subGoMod, "example.com/lib/sub", "example.com/other", 1))
			},
			is: errRepo, says: "sub/go.mod declares module example.com/other: in sub/ go get finds only example.com/lib/sub"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := newRepo(t, fixture())
			if tc.setup != nil {
				tc.setup(t, dir)
			}
			head := gitT(t, dir, "rev-parse", "HEAD")
			before := tags(t, dir)
			status := gitT(t, dir, "status", "--porcelain")

			out, err := release(t, dir, tc.version)
			require.ErrorIs(t, err, tc.is)
			assert.Contains(t, err.Error(), tc.says)
			assert.Empty(t, out, "nothing planned, nothing printed")
			assert.Equal(t, head, gitT(t, dir, "rev-parse", "HEAD"), "no commit")
			assert.Equal(t, before, tags(t, dir), "no tag")
			assert.Equal(t, status, gitT(t, dir, "status", "--porcelain"), "no file written")
		})
	}
}

// commitFile writes name and commits it.
func commitFile(t *testing.T, dir, name, text string) {
	t.Helper()
	writeFile(t, dir, name, text)
	gitT(t, dir, "add", "--", name)
	gitT(t, dir, "commit", "-q", "-m", "change "+name)
}

func TestCheckAndList(t *testing.T) {
	t.Parallel()
	files := fixture()
	files["sub/go.mod"] = strings.Replace(subGoMod, "go 1.25.0", "go 1.26", 1) // a nested module may need a newer Go
	dir := newRepo(t, files)

	out, err := release(t, dir, "-list")
	require.NoError(t, err)
	assert.Equal(t, ".\texample.com/lib\t1.25.0\treleased\n"+
		"examples/demo\texample.com/lib/examples/demo\t1.25.0\tnot released (examples)\n"+
		"sub\texample.com/lib/sub\t1.26\treleased\n", out)

	out, err = release(t, dir, "-check")
	require.NoError(t, err)
	assert.Contains(t, out, "3 modules, paths, replaces and go.work in order")

	commitFile(t, dir, "sub/go.mod", "module example.com/lib/sub/v2\n\ngo 1.27\n\nrequire example.com/lib v0.1.0\n")
	require.NoError(t, os.Remove(filepath.Join(dir, "go.work")))
	_, err = release(t, dir, "-check")
	require.ErrorIs(t, err, errRepo)
	assert.Contains(t, err.Error(), "sub/go.mod declares module example.com/lib/sub/v2", "every broken rule is listed")
	assert.Contains(t, err.Error(), "sub/go.mod requires example.com/lib but does not replace it")
	assert.Contains(t, err.Error(), "no go.work at the root (create it with: go work init . ./examples/demo ./sub)")
}

func TestUsage(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-help"}, &out), "-help is not an error")
	for _, flag := range []string{"-C", "-dry-run", "-date", "-check", "-list"} {
		assert.Regexp(t, `(?m)^  `+flag+`( |$)`, out.String(), "-help documents %s", flag)
	}

	err := run(context.Background(), nil, &out)
	require.ErrorIs(t, err, errUsage)
	assert.Contains(t, err.Error(), "usage: release")

	err = run(context.Background(), []string{"-date", "3 Feb", "v0.2.0"}, &out)
	require.ErrorIs(t, err, errUsage)
	assert.Contains(t, err.Error(), `-date "3 Feb" is not YYYY-MM-DD`)
}

func TestNotARepository(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("release drives git, which is not installed")
	}
	t.Setenv("GIT_CEILING_DIRECTORIES", os.TempDir())
	dir := t.TempDir()
	_, err := release(t, dir, "v0.2.0")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is not in a git work tree")
}

func TestApplySaysWhatItDidWhenItFails(t *testing.T) {
	ctx := context.Background()
	plan := func(t *testing.T, dir string) *plan {
		t.Helper()
		r, err := openRepo(ctx, dir)
		require.NoError(t, err)
		mods, err := modules(ctx, r)
		require.NoError(t, err)
		p, err := makePlan(ctx, r, mods, "v0.2.0", "2026-02-03")
		require.NoError(t, err)
		return p
	}

	t.Run("commit refused", func(t *testing.T) {
		dir := newRepo(t, fixture())
		writeFile(t, dir, ".git/hooks/pre-commit", "#!/bin/sh\necho no commits today >&2\nexit 1\n")
		require.NoError(t, os.Chmod(filepath.Join(dir, ".git/hooks/pre-commit"), 0o755))
		var out bytes.Buffer
		err := plan(t, dir).apply(ctx, &out)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "no commits today")
		assert.Contains(t, err.Error(), "the edits are in the working tree: git checkout -- CHANGELOG.md examples/demo/go.mod sub/go.mod")
		assert.Empty(t, tags(t, dir))
	})

	t.Run("tag refused", func(t *testing.T) {
		dir := newRepo(t, fixture())
		p := plan(t, dir)
		gitT(t, dir, "tag", "sub/v0.2.0") // made between the checks and the tagging
		var out bytes.Buffer
		err := p.apply(ctx, &out)
		require.Error(t, err)
		assert.Contains(t, err.Error(), `committed; tags made: ["v0.2.0"]; undo with: git tag -d v0.2.0 && git reset --keep HEAD~1`)
		assert.Equal(t, "Release v0.2.0", gitT(t, dir, "log", "-1", "--format=%s"))
	})
}
