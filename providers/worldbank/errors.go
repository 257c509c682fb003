package worldbank

import "errors"

// Sentinel errors; match them with errors.Is.
var (
	// ErrInvalidConfig: New was given a Config it cannot use. The error
	// reads "worldbank: invalid config: <field>: <why>".
	ErrInvalidConfig = errors.New("worldbank: invalid config")

	// ErrUnknownDataType: Fetch was asked for a data type the provider
	// does not serve. Fetch returns it in a *providers.Error of class
	// Permanent.
	ErrUnknownDataType = errors.New("worldbank: unknown data type")
)
