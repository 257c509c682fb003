package httpjson

import "errors"

// Sentinel errors. Fetch returns them wrapped in a *providers.Error whose
// Class says what the resolver should do; match them with errors.Is.
var (
	// ErrInvalidConfig: New was given a Config it cannot use. The error
	// reads "httpjson: invalid config: <field>: <why>".
	ErrInvalidConfig = errors.New("httpjson: invalid config")

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

	// ErrRedirectRefused: the server redirected to a host that is neither
	// the configured one nor listed in Config.AllowRedirectHosts, or from
	// https to http. Class Unavailable.
	ErrRedirectRefused = errors.New("httpjson: redirect refused")

	// ErrBodyTooLarge: the response body exceeded Config.MaxBodyBytes.
	// Class DataQuality for a success status.
	ErrBodyTooLarge = errors.New("httpjson: response body too large")

	// ErrBadBody: the response body is not a single JSON value. Class
	// DataQuality.
	ErrBadBody = errors.New("httpjson: response body is not JSON")

	// ErrNoValue: the value's path (or the timestamp's) selects nothing in
	// the body, or selects something that is not a number or a string.
	// Class DataQuality.
	ErrNoValue = errors.New("httpjson: no value at path")

	// ErrBadValue: the selected value does not parse as a finite number.
	// Class DataQuality.
	ErrBadValue = errors.New("httpjson: value is not a finite number")

	// ErrBadTimestamp: the selected timestamp does not parse. Class
	// DataQuality.
	ErrBadTimestamp = errors.New("httpjson: bad timestamp")

	// ErrAPI: the response matched one of Config.ErrorRules; the rule says
	// the class.
	ErrAPI = errors.New("httpjson: the API reported an error")

	// ErrStatus: the server answered with a status outside 2xx and no rule
	// matched; the class comes from providers.ClassForStatus.
	ErrStatus = errors.New("httpjson: unsuccessful status")
)
