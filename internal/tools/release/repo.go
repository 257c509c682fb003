package main

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// repo runs git and go in the work tree of a git repository.
type repo struct {
	dir string // the work tree's root, absolute
}

// openRepo returns the repository whose work tree holds dir.
func openRepo(ctx context.Context, dir string) (repo, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return repo{}, err
	}
	top, err := repo{dir: abs}.git(ctx, "rev-parse", "--show-toplevel")
	if err != nil {
		return repo{}, fmt.Errorf("%s is not in a git work tree: %w", abs, err)
	}
	return repo{dir: strings.TrimSpace(top)}, nil
}

// path returns the absolute path of the slash-separated name in the work tree.
func (r repo) path(name string) string { return filepath.Join(r.dir, filepath.FromSlash(name)) }

// git runs git with args in the work tree and returns its standard output.
func (r repo) git(ctx context.Context, args ...string) (string, error) {
	return r.run(ctx, "git", args...)
}

// goJSON runs go with args in the work tree and decodes its output into v.
func (r repo) goJSON(ctx context.Context, v any, args ...string) error {
	out, err := r.run(ctx, "go", args...)
	if err != nil {
		return err
	}
	return decodeJSON(out, "go "+strings.Join(args, " "), v)
}

// run runs name with args in the work tree. Its error names the command and
// carries what it wrote to standard error.
func (r repo) run(ctx context.Context, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = r.dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return "", fmt.Errorf("%s %s: %s", name, strings.Join(args, " "), msg)
	}
	return stdout.String(), nil
}
