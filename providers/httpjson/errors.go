package httpjson

import "errors"

// Sentinel errors. Fetch returns them wrapped in a *providers.Error whose
// Class says what the resolver should do; match them with errors.Is.
var (
	// ErrInvalidConfig: New (or NewMux) was given a config it cannot use.
	// The error is a *ConfigError naming the field.
	ErrInvalidConfig = errors.New("httpjson: invalid config")

	// ErrUnknownDataType: a Mux was asked for a data type it does not
	// serve (unless its MuxConfig names the adapter's own sentinel).
	// Class Permanent; no request is sent.
	ErrUnknownDataType = errors.New("httpjson: unknown data type")

	// ErrMissingParam: the request lacks a param the URL or body template
	// needs. Class Permanent; no request is sent.
	ErrMissingParam = errors.New("httpjson: missing param")

	// ErrInvalidParam: a param's value cannot be placed where the template
	// puts it (an empty, "." or ".." path segment). Class Permanent; no
	// request is sent.
	ErrInvalidParam = errors.New("httpjson: invalid param")

	// ErrNoCredential: the provider attaches or signs with the request's
	// credential and the request carries none, or one that cannot be sent
	// in a header. Class Auth; no request is sent.
	ErrNoCredential = errors.New("httpjson: no usable credential")

	// ErrTransport: the request failed in the transport — no connection,
	// a reset or dropped connection, a timeout, a refused redirect — or
	// its body could not be read to the end. The class is
	// providers.Classify's of the transport's error (Unavailable for a
	// refused redirect, Transient for a body cut short; Canceled or
	// Transient when ctx is done). The error names the method and the URL
	// template, never the request's values: of the transport's error it
	// keeps only what cannot quote the request (see Provider.Fetch).
	ErrTransport = errors.New("httpjson: request failed")

	// ErrRedirectRefused: the server redirected to a host that is neither
	// the configured one nor listed in Config.AllowRedirectHosts, or from
	// https to http. Class Unavailable.
	ErrRedirectRefused = errors.New("httpjson: redirect refused")

	// ErrBodyTooLarge: the response body exceeded Config.MaxBodyBytes.
	// Class DataQuality for a success status.
	ErrBodyTooLarge = errors.New("httpjson: response body too large")

	// ErrBadBody: the response body is not a single JSON value, or does
	// not decode as its Content-Encoding says (corrupt gzip). Class
	// DataQuality on a 2xx; another status keeps its class.
	ErrBadBody = errors.New("httpjson: response body is not JSON")

	// ErrNoValue: the value's path (or the timestamp's) selects nothing in
	// the body, or selects something that is not a number or a string.
	// Class DataQuality.
	ErrNoValue = errors.New("httpjson: no value at path")

	// ErrBadValue: the selected value does not parse as a finite number.
	// Class DataQuality.
	ErrBadValue = errors.New("httpjson: value is not a finite number")

	// ErrBadTimestamp: the selected timestamp does not parse, or parses
	// to the zero time (a placeholder date, which as ObservedAt would mean
	// now). Class DataQuality.
	ErrBadTimestamp = errors.New("httpjson: bad timestamp")

	// ErrAPI: the response matched one of Config.ErrorRules; the rule says
	// the class.
	ErrAPI = errors.New("httpjson: the API reported an error")

	// ErrStatus: the server answered with a status outside 2xx and no rule
	// matched; the class comes from providers.ClassForStatus.
	ErrStatus = errors.New("httpjson: unsuccessful status")
)

// ConfigError reports a config field that New or NewMux rejected. Its
// message reads "httpjson: invalid config: <Field>: <Reason>"; it matches
// ErrInvalidConfig with errors.Is, and unwraps to the cause where the
// reason came from another error.
type ConfigError struct {
	// Field is the Go path of the offending field: "URL",
	// "Credential.Name", "ErrorRules[2].Path", "Routes[1].DataType".
	Field string
	// Reason says what is wrong with it, the cause's text included.
	Reason string
	// Err is the cause: the error of a URL template, a body template or
	// a path that does not parse. Nil otherwise.
	Err error
}

// Error returns "httpjson: invalid config: <Field>: <Reason>".
func (e *ConfigError) Error() string {
	return "httpjson: invalid config: " + e.Field + ": " + e.Reason
}

// Is reports whether target is ErrInvalidConfig.
func (e *ConfigError) Is(target error) bool { return target == ErrInvalidConfig }

// Unwrap returns the cause, or nil.
func (e *ConfigError) Unwrap() error { return e.Err }

// adapterConfigError is a *ConfigError reported under an adapter's own
// invalid-config sentinel (see MuxConfig.ErrInvalidConfig): it reads
// "<sentinel>: <Field>: <Reason>" and matches both the sentinel and
// everything the *ConfigError matches.
type adapterConfigError struct {
	sentinel error
	ce       *ConfigError
}

func (e *adapterConfigError) Error() string {
	return e.sentinel.Error() + ": " + e.ce.Field + ": " + e.ce.Reason
}

func (e *adapterConfigError) Unwrap() []error { return []error{e.sentinel, e.ce} }
