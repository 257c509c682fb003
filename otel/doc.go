// Package otel reports a strata resolver to OpenTelemetry.
package otel
