// Package adaptertest holds what the tests of the adapters for real APIs
// (providers/fred, providers/worldbank, providers/alphavantage) share: a
// test server that replays the API's recorded bodies from testdata, and
// the checks of an adapter's failures and of its config errors.
package adaptertest
