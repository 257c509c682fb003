package fred

import "errors"

// Sentinel errors; match them with errors.Is.
var (
	// ErrInvalidConfig: New was given a Config it cannot use. The error
	// reads "fred: invalid config: <field>: <why>".
	ErrInvalidConfig = errors.New("fred: invalid config")

	// ErrUnknownDataType: Fetch was asked for a data type the provider
	// does not serve. Fetch returns it in a *providers.Error of class
	// Permanent.
	ErrUnknownDataType = errors.New("fred: unknown data type")
)
