package defaults

import (
	"errors"

	"github.com/strata-go/strata/internal/setting"
)

// ErrNoDefault is returned for a data type without a configured rule.
var ErrNoDefault = errors.New("defaults: no default configured")

// ErrInvalidConfig is matched (errors.Is) by every error New and
// Config.Validate return. The concrete error is a *ConfigError naming the
// field.
var ErrInvalidConfig = errors.New("defaults: invalid config")

// ConfigError reports a Config field New refused: Field is its YAML path
// ("window", "trend_bounds", "rules[cpc].segments[0]"), Reason what is
// wrong. Its message reads "defaults: invalid config: field: reason", and
// it unwraps to ErrInvalidConfig.
type ConfigError = setting.Error
