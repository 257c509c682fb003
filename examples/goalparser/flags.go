package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// flagSet is a flag.FlagSet whose errors are written for the person at the
// terminal: a bad value names the flag, quotes the value and says what is
// wanted ("-horizon \"0\": want months above 0, at most 120"), never
// the flag package's "parse error", and nothing is printed on an error —
// main prints the one line.
type flagSet struct {
	*flag.FlagSet
	// bad is the first value a worded flag refused.
	bad error
}

func newFlagSet(name string) *flagSet {
	fs := &flagSet{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError)}
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parse parses args. -help (or -h) writes usage to stdout and reports
// help; every other problem is returned as an error in the program's
// words, and nothing is written.
func (fs *flagSet) parse(args []string, stdout io.Writer, usage func(io.Writer)) (help bool, err error) {
	err = fs.Parse(args)
	switch {
	case err == nil:
		return false, nil
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(stdout)
		usage(stdout)
		return true, nil
	case fs.bad != nil:
		return false, fs.bad
	}
	return false, rewordFlagError(err, fs.Name())
}

// rewordFlagError rewords the flag package's own messages (whose wording
// the Go 1 promise keeps).
func rewordFlagError(err error, prog string) error {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		return fmt.Errorf("unknown flag %s (%s -help lists the flags)", name, prog)
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: "); ok {
		return fmt.Errorf("%s needs a value", name)
	}
	if rest, ok := strings.CutPrefix(msg, "invalid boolean value "); ok {
		// invalid boolean value "maybe" for -json: parse error
		if value, flagName, ok := strings.Cut(rest, " for "); ok {
			flagName, _, _ = strings.Cut(flagName, ":")
			return fmt.Errorf("%s %s: want true or false (or the flag alone for true)", flagName, value)
		}
	}
	if s, ok := strings.CutPrefix(msg, "bad flag syntax: "); ok {
		return fmt.Errorf("cannot read %q as a flag: write -name or -name=value", s)
	}
	return err
}

// worded is a flag.Value that reads a T with parse and refuses, with
// want, a value parse cannot read or ok rejects.
type worded[T any] struct {
	p     *T
	parse func(string) (T, error)
	ok    func(T) bool
	name  string
	want  string
	fs    *flagSet
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

// define adds a worded flag: usage should name its value in backquotes
// (the flag package shows a custom value's type as "value" otherwise).
func define[T any](fs *flagSet, name string, def T, usage, want string, parse func(string) (T, error), ok func(T) bool) *T {
	p := new(T)
	*p = def
	fs.Var(&worded[T]{p: p, parse: parse, ok: ok, name: name, want: want, fs: fs}, name, usage)
	return p
}

// number reads a finite decimal number.
func number(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, errors.New("not a number")
	}
	return v, nil
}

// whole reads a whole number.
func whole(s string) (int, error) { return strconv.Atoi(strings.TrimSpace(s)) }

// natural reads a whole number that is 0 or more.
func natural(s string) (uint64, error) { return strconv.ParseUint(strings.TrimSpace(s), 10, 64) }
