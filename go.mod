module github.com/strata-go/strata

go 1.25.14

require (
	github.com/cenkalti/backoff/v4 v4.3.0
	github.com/dgraph-io/ristretto/v2 v2.4.2
	github.com/failsafe-go/failsafe-go v0.9.8
	github.com/stretchr/testify v1.12.1
	go.yaml.in/yaml/v3 v3.0.6
	golang.org/x/sync v0.22.0
	golang.org/x/time v0.15.0
	gonum.org/v1/gonum v0.17.0
)

require (
	github.com/bits-and-blooms/bitset v1.24.4 // indirect
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/dustin/go-humanize v1.0.1 // indirect
	golang.org/x/sys v0.36.0 // indirect
	golang.org/x/tools v0.30.0 // indirect
)
