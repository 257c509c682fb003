package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/strata-go/strata/fallback"
)

// -state FILE keeps what the resolver learned across runs: the file is
// read at start when it exists (Resolver.Import) and written at exit
// (Resolver.Export). strata does no I/O of its own: the program opens the
// file. A second run during an outage (-outage all) then answers from the
// first run's last good answers and histories instead of defaults.

// stateLog receives the one line that sums up what a state file gave;
// tests replace it.
var stateLog io.Writer = os.Stderr

// stateTimeout bounds writing the state at exit, which runs after ctx may
// have been cancelled (Ctrl-C ends -serve).
const stateTimeout = 10 * time.Second

// loadState imports the state in path, if the file exists, and returns
// the function that exports the state there at exit. With no path both do
// nothing. What Import took and skipped is summed up on stateLog.
func loadState(ctx context.Context, r *fallback.Resolver, path string) (save func() error, err error) {
	if path == "" {
		return func() error { return nil }, nil
	}
	save = func() error { return saveState(context.WithoutCancel(ctx), r, path) }
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return save, nil // the first run
	}
	if err != nil {
		return nil, fmt.Errorf("-state: %w", unwrapPath(err))
	}
	defer f.Close()
	rep, err := r.Import(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("-state %s: %w", path, err)
	}
	fmt.Fprintf(stateLog, "state: %d answers, %d series (%d observations), %d rates from %s", rep.Answers, rep.Series, rep.Observations, rep.Rates, path)
	if rep.Skipped > 0 || rep.Dropped > 0 {
		var why []string
		for _, reason := range slices.Sorted(maps.Keys(rep.Reasons)) {
			why = append(why, fmt.Sprintf("%s %d", reason, rep.Reasons[reason]))
		}
		fmt.Fprintf(stateLog, "; skipped %d records and %d observations (%s)", rep.Skipped, rep.Dropped, strings.Join(why, ", "))
	}
	if !rep.Complete {
		fmt.Fprint(stateLog, "; the file was cut short")
	}
	fmt.Fprintln(stateLog)
	return save, nil
}

// saveState exports the resolver's state to path through a temporary file
// in the same directory, renamed over path once whole: a crash while
// writing leaves the previous state.
func saveState(ctx context.Context, r *fallback.Resolver, path string) error {
	ctx, cancel := context.WithTimeout(ctx, stateTimeout)
	defer cancel()
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("-state: cannot write %s: %w", path, unwrapPath(err))
	}
	defer os.Remove(tmp.Name()) // after the rename, there is nothing to remove
	if _, err := r.Export(ctx, tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("-state: cannot write %s: %w", path, unwrapPath(err))
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("-state: cannot write %s: %w", path, unwrapPath(err))
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("-state: cannot write %s: %w", path, unwrapPath(err))
	}
	return nil
}
