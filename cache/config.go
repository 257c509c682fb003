package cache

import (
	"errors"

	"github.com/strata-go/strata/internal/setting"
)

// Config sizes a Cache. Zero fields take the defaults; New validates a
// copy and never writes into the caller's struct. The yaml tags let a host
// embed Config in its YAML configuration (fallback.Config does, under
// "cache").
type Config struct {
	// MaxCost bounds the read-through tier's memory in bytes, as ristretto
	// counts it (key, entry and ristretto's own bookkeeping). Default
	// 32 MiB; at most MaxCostLimit.
	MaxCost int64 `yaml:"max_cost"`
	// LastGoodCapacity bounds the last-known-good store in entries.
	// Default 100000; at most CapacityLimit.
	LastGoodCapacity int `yaml:"last_good_capacity"`
	// NegativeCapacity bounds the negative cache in keys. Default 10000;
	// at most CapacityLimit.
	NegativeCapacity int `yaml:"negative_capacity"`
}

// Defaults of Config.
const (
	DefaultMaxCost          = 32 << 20
	DefaultLastGoodCapacity = 100000
	DefaultNegativeCapacity = 10000
)

// Limits of Config: New refuses a larger value. ristretto allocates its
// admission counters when the cache is made, sized from MaxCost (about a
// quarter of it here), so MaxCostLimit (1 GiB) keeps what New allocates
// to 256 MiB and a little.
const (
	MaxCostLimit  = 1 << 30
	CapacityLimit = 10_000_000
)

// ErrInvalidConfig is matched (errors.Is) by every error New and
// Config.Validate return. The concrete error is a *ConfigError naming the
// field.
var ErrInvalidConfig = errors.New("cache: invalid config")

// ConfigError reports a Config field New refused: Field is its YAML name
// ("max_cost"), Reason what is wrong. Its message reads "cache: invalid
// config: field: reason", and it unwraps to ErrInvalidConfig.
type ConfigError = setting.Error

// Validate reports the first field New would refuse, as a *ConfigError,
// or nil. It allocates nothing for a valid Config; the error it returns
// for an invalid one is allocated.
func (c Config) Validate() error {
	_, err := c.withDefaults()
	return err
}

// withDefaults returns c with every zero field set to its default, or the
// first invalid field.
func (c Config) withDefaults() (Config, error) {
	if why := setting.AtMost(&c.MaxCost, DefaultMaxCost, MaxCostLimit); why != "" {
		return c, &ConfigError{Err: ErrInvalidConfig, Field: "max_cost", Reason: why}
	}
	if why := setting.AtMost(&c.LastGoodCapacity, DefaultLastGoodCapacity, CapacityLimit); why != "" {
		return c, &ConfigError{Err: ErrInvalidConfig, Field: "last_good_capacity", Reason: why}
	}
	if why := setting.AtMost(&c.NegativeCapacity, DefaultNegativeCapacity, CapacityLimit); why != "" {
		return c, &ConfigError{Err: ErrInvalidConfig, Field: "negative_capacity", Reason: why}
	}
	return c, nil
}
