// Package cli is the example programs' command line: flags whose errors
// are written for the person at the terminal. A bad value names the flag,
// quotes the value and says what is wanted ("-month \"13\": want a month,
// 01 to 12 or jan to dec"), never the flag package's "parse error"; an
// unknown flag or a missing value is found before the flag package sees
// the arguments, so no error is recognised by its text; and nothing is
// printed on an error — the program prints the one line.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// FlagSet is a flag.FlagSet with worded errors (see the package doc).
type FlagSet struct {
	*flag.FlagSet
	bad error // the first value a worded flag refused
}

// NewFlagSet returns an empty FlagSet for the program name.
func NewFlagSet(name string) *FlagSet {
	fs := &FlagSet{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError)}
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// ParseArgs parses args. -help (or -h) writes usage to stdout and reports
// help; every other problem is returned as an error in the program's
// words, and nothing is written.
func (fs *FlagSet) ParseArgs(args []string, stdout io.Writer, usage func(io.Writer)) (help bool, err error) {
	if err := fs.check(args); err != nil {
		return false, err
	}
	switch err := fs.Parse(args); {
	case err == nil:
		return false, nil
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(stdout)
		usage(stdout)
		return true, nil
	case fs.bad != nil:
		return false, fs.bad
	default:
		return false, err
	}
}

// check reads args as the flag package will, and words what it would
// refuse: bad syntax, an unknown flag, a flag with no value, a boolean
// that is neither true nor false.
func (fs *FlagSet) check(args []string) error {
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if len(arg) < 2 || arg[0] != '-' {
			return nil // the flags end here
		}
		name := arg[1:]
		if name[0] == '-' {
			if len(name) == 1 { // "--" ends the flags
				return nil
			}
			name = name[1:]
		}
		if name == "" || name[0] == '-' || name[0] == '=' {
			return fmt.Errorf("cannot read %q as a flag: write -name or -name=value", arg)
		}
		name, value, hasValue := strings.Cut(name, "=")
		f := fs.Lookup(name)
		switch {
		case f == nil && (name == "help" || name == "h"):
			return nil // the flag package answers with usage
		case f == nil:
			return fmt.Errorf("unknown flag -%s (%s -help lists the flags)", name, fs.Name())
		case isBool(f):
			if _, err := strconv.ParseBool(value); hasValue && err != nil {
				return fmt.Errorf("-%s %q: want true or false (or the flag alone for true)", name, value)
			}
		case !hasValue:
			if i+1 == len(args) {
				return fmt.Errorf("-%s needs a value", name)
			}
			i++
		}
	}
	return nil
}

// isBool reports whether f is a boolean flag, given without a value.
func isBool(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// worded is a flag.Value that reads a T with parse and refuses, with
// want, a value parse cannot read or ok rejects.
type worded[T any] struct {
	p     *T
	parse func(string) (T, error)
	ok    func(T) bool
	name  string
	want  string
	fs    *FlagSet
}

func (v *worded[T]) String() string {
	if v == nil || v.p == nil {
		var zero T
		return fmt.Sprint(zero)
	}
	return fmt.Sprint(*v.p)
}

func (v *worded[T]) Set(s string) error {
	x, err := v.parse(s)
	if err != nil || (v.ok != nil && !v.ok(x)) {
		err = fmt.Errorf("-%s %q: %s", v.name, s, v.want)
		if v.fs.bad == nil {
			v.fs.bad = err
		}
		return err
	}
	*v.p = x
	return nil
}

// Define adds a worded flag: parse reads its value, ok (when not nil)
// accepts it, and want says what is wanted when either refuses. usage
// should name the value in backquotes (the flag package shows a custom
// value's type as "value" otherwise).
func Define[T any](fs *FlagSet, name string, def T, usage, want string, parse func(string) (T, error), ok func(T) bool) *T {
	p := new(T)
	*p = def
	fs.Var(&worded[T]{p: p, parse: parse, ok: ok, name: name, want: want, fs: fs}, name, usage)
	return p
}

// Number reads a finite decimal number.
func Number(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, errors.New("not a number")
	}
	return v, nil
}

// Whole reads a whole number.
func Whole(s string) (int, error) { return strconv.Atoi(strings.TrimSpace(s)) }

// Natural reads a whole number that is 0 or more.
func Natural(s string) (uint64, error) { return strconv.ParseUint(strings.TrimSpace(s), 10, 64) }

// Duration reads a Go duration ("5s", "1500ms", "1m30s").
func Duration(s string) (time.Duration, error) { return time.ParseDuration(strings.TrimSpace(s)) }
