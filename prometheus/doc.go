// Package prometheus reports a strata resolver to Prometheus.
package prometheus
