package alphavantage

import "errors"

// Sentinel errors; match them with errors.Is.
var (
	// ErrInvalidConfig: New was given a Config it cannot use. The error
	// reads "alphavantage: invalid config: <field>: <why>".
	ErrInvalidConfig = errors.New("alphavantage: invalid config")

	// ErrUnknownDataType: Fetch was asked for a data type the provider
	// does not serve. Fetch returns it in a *providers.Error of class
	// Permanent.
	ErrUnknownDataType = errors.New("alphavantage: unknown data type")
)
