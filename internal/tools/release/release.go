package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"
)

// Errors for the refusals that are not about the version or the modules.
var (
	errDirty     = errors.New("working tree not clean")
	errTagExists = errors.New("tag exists")
	errUsage     = errors.New("usage")
)

// usage is the command line's synopsis, printed by -help and with every
// usage error.
const usage = `usage: release [-C DIR] [-dry-run] [-date YYYY-MM-DD] vX.Y.Z
       release [-C DIR] -check
       release [-C DIR] -list`

// run parses args and does what they ask, writing to stdout. -help prints
// the usage and every flag and returns nil.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("release", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // a flag error is returned, not printed
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "%s\n\nTags the root module and every nested module at one version (see the package doc).\n\nflags:\n", usage)
		fs.PrintDefaults()
	}
	dir := fs.String("C", ".", "the `directory` of the repository to release")
	dryRun := fs.Bool("dry-run", false, "check and print what would be done, change nothing")
	date := fs.String("date", time.Now().UTC().Format(time.DateOnly), "the release `date` for CHANGELOG.md")
	checkOnly := fs.Bool("check", false, "only check the repository rules (module paths, replaces, go.work)")
	list := fs.Bool("list", false, "print every module as DIR<tab>PATH<tab>GO LINE<tab>released or why not, and stop")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fs.Usage()
			return nil
		}
		return fmt.Errorf("%w\n%s", err, usage)
	}
	wantArgs := 1
	if *checkOnly || *list {
		wantArgs = 0
	}
	if fs.NArg() != wantArgs {
		return fmt.Errorf("%w: want %d argument(s), got %q\n%s", errUsage, wantArgs, fs.Args(), usage)
	}
	if _, err := time.Parse(time.DateOnly, *date); err != nil {
		return fmt.Errorf("%w: -date %q is not YYYY-MM-DD", errUsage, *date)
	}
	r, err := openRepo(ctx, *dir)
	if err != nil {
		return err
	}
	mods, err := modules(ctx, r)
	if err != nil {
		return err
	}
	switch {
	case *list:
		for _, m := range mods {
			state := "released"
			if m.Skip != "" {
				state = "not released (" + m.Skip + ")"
			}
			fmt.Fprintf(stdout, "%s\t%s\t%s\t%s\n", m.Dir, m.Path, m.Go, state)
		}
		return nil
	case *checkOnly:
		if err := check(ctx, r, mods); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%d modules, paths, replaces and go.work in order:\n", len(mods))
		for _, m := range mods {
			fmt.Fprintf(stdout, "\t%-20s %s (go %s)\n", m.Dir, m.Path, m.Go)
		}
		return nil
	}
	p, err := makePlan(ctx, r, mods, fs.Arg(0), *date)
	if err != nil {
		return err
	}
	p.print(stdout)
	if *dryRun {
		fmt.Fprintln(stdout, "dry run: nothing written, committed or tagged")
		return nil
	}
	return p.apply(ctx, stdout)
}

// edit is one require a release rewrites.
type edit struct {
	file, path, from, to string
}

// plan is a release checked and ready to apply.
type plan struct {
	r         repo
	version   string
	head      string   // the commit released from, abbreviated
	mods      []module // every module, the root first
	edits     []edit
	changelog string // CHANGELOG.md as it will be
	heading   string // its new heading
}

// makePlan checks everything a release needs and returns what it will do,
// having changed nothing. Each refusal is an error matching errVersion,
// errRepo, errDirty, errTagExists or errChangelog.
func makePlan(ctx context.Context, r repo, mods []module, version, date string) (*plan, error) {
	if err := checkVersion(version); err != nil {
		return nil, err
	}
	if err := checkMajor(version, mods[0].Path); err != nil {
		return nil, err
	}
	if err := check(ctx, r, mods); err != nil {
		return nil, err
	}
	status, err := r.git(ctx, "status", "--porcelain", "--untracked-files=normal")
	if err != nil {
		return nil, err
	}
	if status = strings.TrimRight(status, "\n"); status != "" {
		return nil, fmt.Errorf("%w: a release is made from a commit; commit or remove first:\n%s", errDirty, status)
	}
	var exist []string
	for _, m := range mods {
		if m.Skip != "" {
			continue
		}
		if _, err := r.git(ctx, "rev-parse", "-q", "--verify", "refs/tags/"+m.Tag(version)); err == nil {
			exist = append(exist, m.Tag(version))
		}
	}
	if len(exist) > 0 {
		return nil, fmt.Errorf("%w: %s already tagged (a published version never moves; pick another)", errTagExists, strings.Join(exist, ", "))
	}
	head, err := r.git(ctx, "rev-parse", "--short", "HEAD")
	if err != nil {
		return nil, err
	}
	p := &plan{r: r, version: version, head: strings.TrimSpace(head), mods: mods}
	ours := map[string]bool{}
	for _, m := range mods {
		ours[m.Path] = true
	}
	for _, m := range mods {
		for _, dep := range slices.Sorted(maps.Keys(m.Requires)) {
			if ours[dep] && dep != m.Path && m.Requires[dep] != version {
				p.edits = append(p.edits, edit{file: m.GoMod(), path: dep, from: m.Requires[dep], to: version})
			}
		}
	}
	text, err := os.ReadFile(r.path("CHANGELOG.md"))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errChangelog, err)
	}
	if p.changelog, err = releaseChangelog(string(text), version, date); err != nil {
		return nil, err
	}
	p.heading = fmt.Sprintf("## [%s] - %s", strings.TrimPrefix(version, "v"), date)
	return p, nil
}

// tags returns the tags the release makes, the root's first.
func (p *plan) tags() []string {
	var tags []string
	for _, m := range p.mods {
		if m.Skip == "" {
			tags = append(tags, m.Tag(p.version))
		}
	}
	return tags
}

// message returns the release commit's message.
func (p *plan) message() string {
	return fmt.Sprintf("Release %s\n\nTags: %s\n", p.version, strings.Join(p.tags(), ", "))
}

// print writes the plan.
func (p *plan) print(w io.Writer) {
	fmt.Fprintf(w, "release %s of %s from %s\n", p.version, p.mods[0].Path, p.head)
	for _, m := range p.mods {
		what := "tag " + m.Tag(p.version)
		if m.Skip != "" {
			what = "not tagged (" + m.Skip + ")"
		}
		fmt.Fprintf(w, "\t%-20s %-50s %s\n", m.Dir, m.Path, what)
	}
	for _, e := range p.edits {
		fmt.Fprintf(w, "%s: require %s %s => %s\n", e.file, e.path, e.from, e.to)
	}
	fmt.Fprintf(w, "CHANGELOG.md: the Unreleased entries move under %q\n", p.heading)
	fmt.Fprintf(w, "commit: %q\n", strings.SplitN(p.message(), "\n", 2)[0])
}

// apply writes the edits, commits them and tags the commit. On a failure it
// says what it had done, so that the user can undo it.
func (p *plan) apply(ctx context.Context, w io.Writer) error {
	files := []string{"CHANGELOG.md"}
	for _, e := range p.edits {
		if _, err := p.r.run(ctx, "go", "mod", "edit", "-require="+e.path+"@"+e.to, e.file); err != nil {
			return fmt.Errorf("%w (the working tree may hold part of the edits: git checkout -- '*go.mod')", err)
		}
		if !slices.Contains(files, e.file) {
			files = append(files, e.file)
		}
	}
	if err := os.WriteFile(p.r.path("CHANGELOG.md"), []byte(p.changelog), 0o644); err != nil {
		return err
	}
	args := append([]string{"commit", "-q", "-m", p.message(), "--"}, files...)
	if _, err := p.r.git(ctx, args...); err != nil {
		return fmt.Errorf("%w (the edits are in the working tree: git checkout -- %s)", err, strings.Join(files, " "))
	}
	var made []string
	for _, m := range p.mods {
		if m.Skip != "" {
			continue
		}
		tag := m.Tag(p.version)
		if _, err := p.r.git(ctx, "tag", "-a", "-m", m.Path+" "+p.version, tag, "HEAD"); err != nil {
			return fmt.Errorf("%w (committed; tags made: %q; undo with: git tag -d %s && git reset --keep HEAD~1)",
				err, made, strings.Join(made, " "))
		}
		made = append(made, tag)
	}
	head, err := p.r.git(ctx, "rev-parse", "--short", "HEAD")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "committed %s and tagged it %s\n", strings.TrimSpace(head), strings.Join(made, ", "))
	fmt.Fprintf(w, "nothing is pushed; publish with:\n\tgit push --atomic origin HEAD %s\n", strings.Join(made, " "))
	return nil
}
