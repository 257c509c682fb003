package fallback

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Sentinel errors; match with errors.Is. The typed errors below carry the
// detail and match these through Is.
var (
	// ErrUnknownDataType: Resolve was asked for a data type the
	// configuration does not declare.
	ErrUnknownDataType = errors.New("fallback: unknown data type")
	// ErrInvalidParams: the params failed the data type's schema. The
	// error is a *ParamError naming the param and the rule.
	ErrInvalidParams = errors.New("fallback: invalid params")
	// ErrBudgetExhausted: the context's money budget could not pay for any
	// provider and no free layer (cache, forecast, default) could answer.
	ErrBudgetExhausted = errors.New("fallback: budget exhausted")
	// ErrNoAnswer: every layer failed. The *ResolveError joins each
	// layer's cause.
	ErrNoAnswer = errors.New("fallback: no layer could answer")
	// ErrClosed: the resolver has been closed.
	ErrClosed = errors.New("fallback: resolver closed")
	// ErrInvalidConfig: the configuration is invalid; the error is one or
	// more *ConfigError joined.
	ErrInvalidConfig = errors.New("fallback: invalid config")
	// ErrCredentials: the host's credentials (WithCredentials) gave no
	// secret for a provider, so its attempt failed — an Auth failure, with
	// no latency and no cost — before the provider was called. An
	// Attempt's Err, and its event's, match it; a credential the provider
	// refused does not.
	ErrCredentials = errors.New("fallback: credentials unavailable")
)

// ParamProblem says which rule a param broke.
type ParamProblem uint8

// The param rules.
const (
	ParamMissing      ParamProblem = iota + 1 // a required param is absent
	ParamUnknown                              // the schema does not declare the param
	ParamTooLong                              // longer than the param's max length
	ParamNotAllowed                           // not among the allowed values, or fails the pattern
	ParamControlChars                         // holds control characters or invalid UTF-8
	ParamEmpty                                // present but empty
)

var paramProblemText = [...]string{"", "missing", "unknown", "too long", "not allowed", "contains control characters or invalid UTF-8", "empty"}

// String describes the problem ("too long").
func (p ParamProblem) String() string {
	if int(p) < len(paramProblemText) {
		return paramProblemText[p]
	}
	return "problem(" + strconv.Itoa(int(p)) + ")"
}

// ParamError reports a param that failed validation. It matches
// ErrInvalidParams with errors.Is. The offending value is never included
// when the param is marked sensitive.
type ParamError struct {
	DataType string
	Param    string
	Problem  ParamProblem
	// Detail says more ("max 64 bytes, got 70"); it never holds the value
	// of a sensitive param. The allowed values or the pattern it repeats
	// are cut at 256 bytes ("allowed: de, uk, … (250 values)").
	Detail string
}

// Error returns `fallback: invalid params for "cpc": param "market": not
// allowed (...)`. A data type or param name longer than 64 bytes is cut
// there and marked "…": the message never carries whatever a caller sent.
func (e *ParamError) Error() string {
	var b strings.Builder
	b.WriteString("fallback: invalid params")
	if e.DataType != "" { // "" from Forget, which names no data type
		b.WriteString(" for ")
		b.WriteString(quote(e.DataType))
	}
	b.WriteString(": param ")
	b.WriteString(quote(e.Param))
	b.WriteString(": ")
	b.WriteString(e.Problem.String())
	if e.Detail != "" {
		b.WriteString(" (")
		b.WriteString(e.Detail)
		b.WriteString(")")
	}
	return b.String()
}

// Is matches ErrInvalidParams.
func (e *ParamError) Is(target error) bool { return target == ErrInvalidParams }

// DataTypeError reports a data type the configuration does not declare.
// It matches ErrUnknownDataType.
type DataTypeError struct{ DataType string }

// Error returns `fallback: unknown data type "x"`. A name longer than 64
// bytes is cut there and marked "…": the message never carries whatever a
// caller sent.
func (e *DataTypeError) Error() string {
	return "fallback: unknown data type " + quote(e.DataType)
}

// quote returns s quoted, cut to maxReportedName bytes (whole runes) and
// marked "…" when it is longer. Every name or value an error echoes goes
// through it.
func quote(s string) string {
	cut, ok := cutAt(s, maxReportedName)
	if ok {
		return strconv.Quote(cut) + "…"
	}
	return strconv.Quote(s)
}

// cutAt returns s cut to at most limit bytes on a rune boundary, and
// whether it cut anything.
func cutAt(s string, limit int) (string, bool) {
	if len(s) <= limit {
		return s, false
	}
	n := limit
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n], true
}

// Is matches ErrUnknownDataType.
func (e *DataTypeError) Is(target error) bool { return target == ErrUnknownDataType }

// ResolveError is returned when no layer could answer. It joins each
// layer's cause: errors.Is finds any of them (a provider's class sentinel,
// ErrBudgetExhausted, context.DeadlineExceeded ...), and it matches
// ErrNoAnswer itself.
type ResolveError struct {
	DataType string
	// Attempts are the provider attempts made, as in Result.Attempts.
	Attempts []Attempt
	// Errs holds one cause per layer that was tried, in layer order.
	Errs []error
}

// Error lists the layers' causes.
func (e *ResolveError) Error() string {
	var b strings.Builder
	b.WriteString("fallback: no answer for ")
	b.WriteString(strconv.Quote(e.DataType))
	for i, err := range e.Errs {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(err.Error())
	}
	return b.String()
}

// Unwrap returns the per-layer causes.
func (e *ResolveError) Unwrap() []error { return e.Errs }

// Is matches ErrNoAnswer.
func (e *ResolveError) Is(target error) bool { return target == ErrNoAnswer }

// LayerError is one layer's cause inside a ResolveError.
type LayerError struct {
	Layer Layer
	Err   error
}

// Error returns "<layer>: <cause>".
func (e *LayerError) Error() string { return e.Layer.String() + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *LayerError) Unwrap() error { return e.Err }

// ConfigError names one invalid field of a Config: its path
// ("providers[1].confidence"), the YAML line when the config came from
// YAML (0 otherwise) and what is wrong. It matches ErrInvalidConfig; when
// the field belongs to another package's config (breaker, router, cache,
// stats, defaults), it also unwraps to that package's error, so
// errors.Is(err, breaker.ErrInvalidConfig) holds too.
type ConfigError struct {
	Field string
	Line  int
	Msg   string
	// Err is the other package's error this one reports, or nil.
	Err error
}

// Error returns "fallback: invalid config: providers[1].confidence (line 12): must be in [0, 1]".
func (e *ConfigError) Error() string {
	var b strings.Builder
	b.WriteString("fallback: invalid config: ")
	if e.Field != "" {
		b.WriteString(e.Field)
		if e.Line > 0 {
			b.WriteString(" (line ")
			b.WriteString(strconv.Itoa(e.Line))
			b.WriteString(")")
		}
		b.WriteString(": ")
	} else if e.Line > 0 {
		b.WriteString("line ")
		b.WriteString(strconv.Itoa(e.Line))
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Is matches ErrInvalidConfig.
func (e *ConfigError) Is(target error) bool { return target == ErrInvalidConfig }

// Unwrap returns Err.
func (e *ConfigError) Unwrap() error { return e.Err }

// CloseError is what Close returns when goroutines it started had not
// ended within its bound — provider calls that ignore their context, most
// often. They were cancelled and are abandoned; each ends on its own. It
// matches ErrClosed.
type CloseError struct {
	// Abandoned says what each was ("provider p1", "refresh cpc"),
	// sorted.
	Abandoned []string
}

func (e *CloseError) Error() string {
	return "fallback: closed, abandoning " + strings.Join(e.Abandoned, ", ")
}

// Unwrap returns ErrClosed.
func (e *CloseError) Unwrap() error { return ErrClosed }
