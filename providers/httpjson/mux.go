package httpjson

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/strata-go/strata/providers"
)

// Mux serves a fixed set of data types, each through a Provider of its
// own, and refuses any other: the part every adapter for a real API shares
// (providers/fred and providers/worldbank serve one data type,
// providers/alphavantage two). It implements providers.Provider and is
// safe for concurrent use.
type Mux struct {
	types      []string
	byType     map[string]*Provider
	errUnknown error
}

var _ providers.Provider = (*Mux)(nil)

// Route is one data type a Mux serves, and the Config of the Provider that
// serves it.
type Route struct {
	// DataType names the data type. Required, and unique within a Mux.
	DataType string
	// Config configures its Provider, as for New.
	Config Config
}

// MuxConfig configures a Mux. The sentinels let an adapter report its
// failures as its own; zero means httpjson's.
type MuxConfig struct {
	// Routes are the data types served, in the order DataTypes lists
	// them. At least one.
	Routes []Route
	// ErrInvalidConfig is the adapter's own invalid-config sentinel
	// (fred.ErrInvalidConfig, reading "fred: invalid config"). When set,
	// NewMux reports an invalid config as "<ErrInvalidConfig>: <Field>:
	// <Reason>", matching ErrInvalidConfig, httpjson.ErrInvalidConfig and
	// the *ConfigError (errors.As). A Route's Config field is named as New
	// names it ("MaxBodyBytes"), without the route, so that the fields an
	// adapter's Config passes through keep their names. Default
	// httpjson.ErrInvalidConfig: the error is the *ConfigError itself.
	ErrInvalidConfig error
	// ErrUnknownDataType is what Fetch wraps for a data type no Route
	// serves. Default httpjson.ErrUnknownDataType.
	ErrUnknownDataType error
}

// NewMux validates cfg and builds a Provider for each Route with New. An
// invalid config, or an invalid Route's Config, gives a *ConfigError (see
// MuxConfig.ErrInvalidConfig for how it reads). NewMux never modifies cfg.
func NewMux(cfg MuxConfig) (*Mux, error) {
	m, err := newMux(cfg)
	if err != nil {
		var ce *ConfigError
		if cfg.ErrInvalidConfig != nil && errors.As(err, &ce) {
			return nil, &adapterConfigError{sentinel: cfg.ErrInvalidConfig, ce: ce}
		}
		return nil, err
	}
	return m, nil
}

func newMux(cfg MuxConfig) (*Mux, error) {
	if len(cfg.Routes) == 0 {
		return nil, configError("Routes", nil, "at least one route is required")
	}
	m := &Mux{byType: make(map[string]*Provider, len(cfg.Routes)), errUnknown: cfg.ErrUnknownDataType}
	if m.errUnknown == nil {
		m.errUnknown = ErrUnknownDataType
	}
	for i, r := range cfg.Routes {
		field := fmt.Sprintf("Routes[%d].DataType", i)
		if r.DataType == "" {
			return nil, configError(field, nil, "required")
		}
		if j := slices.Index(m.types, r.DataType); j >= 0 {
			return nil, configError(field, nil, "%q is also Routes[%d].DataType", r.DataType, j)
		}
		p, err := New(r.Config)
		if err != nil {
			return nil, err
		}
		m.types = append(m.types, r.DataType)
		m.byType[r.DataType] = p
	}
	return m, nil
}

// Fetch answers req with the Provider of req.DataType. A context already
// done fails first, as Canceled (or Transient, for a deadline) wrapping
// ctx.Err(); a data type no Route serves fails as Permanent, wrapping
// MuxConfig.ErrUnknownDataType, before anything is sent.
func (m *Mux) Fetch(ctx context.Context, req providers.Request) (providers.Response, error) {
	if err := ctx.Err(); err != nil {
		return providers.Response{}, providers.NewError(providers.Classify(err), err)
	}
	p, ok := m.byType[req.DataType]
	if !ok {
		return providers.Response{}, providers.NewError(providers.Permanent, fmt.Errorf("%w %q", m.errUnknown, req.DataType))
	}
	return p.Fetch(ctx, req)
}

// DataTypes lists the data types served, in the order of the Routes. The
// slice is the caller's.
func (m *Mux) DataTypes() []string { return slices.Clone(m.types) }

// Params lists the params the Provider of dataType reads (see
// Provider.Params), or nil for a data type the Mux does not serve.
func (m *Mux) Params(dataType string) []string {
	if p, ok := m.byType[dataType]; ok {
		return p.Params()
	}
	return nil
}
