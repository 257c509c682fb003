package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path"
	"slices"
	"strings"
)

// errRepo is the error every broken repository rule matches.
var errRepo = errors.New("repository not releasable")

// module is one go.mod of the repository.
type module struct {
	Dir      string            // slash-separated, relative to the repository root; "." for the root
	Path     string            // the module path its go.mod declares
	Go       string            // its go line
	Requires map[string]string // module path → version, every require
	Replaces map[string]string // module path → local directory, replaces of every version by a directory
	Skip     string            // why it is not tagged ("" when it is released)
}

// GoMod returns the slash-separated path of the module's go.mod.
func (m module) GoMod() string { return path.Join(m.Dir, "go.mod") }

// Tag returns the tag that releases the module at version v.
func (m module) Tag(v string) string {
	if m.Dir == "." {
		return v
	}
	return m.Dir + "/" + v
}

// modFile is the part of `go mod edit -json` that release reads.
type modFile struct {
	Module  struct{ Path string }
	Go      string
	Require []struct{ Path, Version string }
	Replace []struct {
		Old struct{ Path, Version string }
		New struct{ Path, Version string }
	}
}

// workFile is the part of `go work edit -json` that release reads.
type workFile struct {
	Use []struct{ DiskPath string }
}

// skipped returns why the go command or a release leaves out a go.mod in
// dir: "ignored" for a directory go skips (testdata, vendor, .x, _x), the
// directory name for one nobody outside imports (internal, example,
// examples), and "" for a module to release.
func skipped(dir string) string {
	if dir == "." {
		return ""
	}
	kind := ""
	for _, el := range strings.Split(dir, "/") {
		switch {
		case el == "testdata" || el == "vendor" || strings.HasPrefix(el, ".") || strings.HasPrefix(el, "_"):
			return "ignored"
		case el == "internal" || el == "example" || el == "examples":
			kind = el
		}
	}
	return kind
}

// modules returns the repository's modules, the root first, then by
// directory. It does not check them: see check.
func modules(ctx context.Context, r repo) ([]module, error) {
	out, err := r.git(ctx, "ls-files", "-z", "--", "go.mod", "*/go.mod")
	if err != nil {
		return nil, err
	}
	var mods []module
	for _, file := range strings.Split(out, "\x00") {
		if path.Base(file) != "go.mod" {
			continue
		}
		dir := path.Dir(file)
		skip := skipped(dir)
		if skip == "ignored" {
			continue
		}
		var mf modFile
		if err := r.goJSON(ctx, &mf, "mod", "edit", "-json", file); err != nil {
			return nil, err
		}
		m := module{Dir: dir, Path: mf.Module.Path, Go: mf.Go, Skip: skip,
			Requires: map[string]string{}, Replaces: map[string]string{}}
		for _, req := range mf.Require {
			m.Requires[req.Path] = req.Version
		}
		for _, rep := range mf.Replace {
			if rep.Old.Version == "" && rep.New.Version == "" {
				m.Replaces[rep.Old.Path] = rep.New.Path
			}
		}
		mods = append(mods, m)
	}
	slices.SortFunc(mods, func(a, b module) int {
		if (a.Dir == ".") != (b.Dir == ".") {
			if a.Dir == "." {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Dir, b.Dir)
	})
	if len(mods) == 0 || mods[0].Dir != "." {
		return nil, fmt.Errorf("%w: no go.mod at the root of %s", errRepo, r.dir)
	}
	return mods, nil
}

// check returns an error matching errRepo that lists every rule the
// modules break:
//
//   - a nested module's path is the root's path and its directory, which is
//     where go get looks for it;
//   - a module that requires another module of the repository replaces it
//     with that module's directory (dependents ignore the replace; GOWORK=off
//     builds and go mod tidy need it);
//   - go.work at the root uses every module.
func check(ctx context.Context, r repo, mods []module) error {
	root := mods[0]
	base := strings.TrimSuffix(root.Path, majorSuffix(root.Path))
	byPath := map[string]module{}
	for _, m := range mods {
		byPath[m.Path] = m
	}
	var errs []error
	fail := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf(format, args...))
	}
	for _, m := range mods {
		if m.Dir != "." {
			if want := base + "/" + m.Dir + majorSuffix(root.Path); m.Path != want {
				fail("%s declares module %s: in %s/ go get finds only %s", m.GoMod(), m.Path, m.Dir, want)
			}
		}
		for _, p := range slices.Sorted(maps.Keys(m.Requires)) {
			dep, ours := byPath[p]
			if !ours || dep.Dir == m.Dir {
				continue
			}
			rel := relDir(m.Dir, dep.Dir)
			if got, ok := m.Replaces[p]; !ok || path.Clean(got) != path.Clean(rel) {
				fail("%s requires %s but does not replace it with %s (add: replace %s => %s; dependents ignore it, GOWORK=off builds and go mod tidy need it)",
					m.GoMod(), p, rel, p, rel)
			}
		}
	}
	var wf workFile
	if _, err := os.Stat(r.path("go.work")); err != nil {
		fail("no go.work at the root (create it with: go work init . %s)", strings.Join(nestedDirs(mods), " "))
	} else if err := r.goJSON(ctx, &wf, "work", "edit", "-json", r.path("go.work")); err != nil {
		fail("go.work: %w", err)
	} else {
		used := map[string]bool{}
		for _, u := range wf.Use {
			used[path.Clean(u.DiskPath)] = true
		}
		for _, m := range mods {
			if !used[m.Dir] {
				fail("go.work does not use %s (add it with: go work use %s)", m.Dir, "./"+m.Dir)
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w:\n\t%w", errRepo, errors.Join(errs...))
	}
	return nil
}

// relDir returns the relative directory that leads from dir to target,
// both slash-separated and relative to the repository root.
func relDir(dir, target string) string {
	up := 0
	if dir != "." {
		up = strings.Count(dir, "/") + 1
	}
	rel := strings.Repeat("../", up) + strings.TrimPrefix(target, ".")
	rel = path.Clean(rel)
	if !strings.HasPrefix(rel, ".") {
		rel = "./" + rel
	}
	return rel
}

// nestedDirs returns the directories of the modules other than the root,
// each as ./dir.
func nestedDirs(mods []module) []string {
	var dirs []string
	for _, m := range mods[1:] {
		dirs = append(dirs, "./"+m.Dir)
	}
	return dirs
}

// decodeJSON decodes out into v, naming what it was reading on failure.
func decodeJSON(out, what string, v any) error {
	if err := json.Unmarshal([]byte(out), v); err != nil {
		return fmt.Errorf("reading the output of %s: %w", what, err)
	}
	return nil
}
