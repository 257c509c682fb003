// Package providers defines the contract every data source speaks to strata.
//
// A Provider answers one Request — a data type and its params — with one
// numeric Response, or with an error. strata never opens sockets of its own:
// the host implements Provider around whatever client it already has (an
// SDK, an *http.Client, a database), or uses one of the adapters in the
// sub-packages.
//
// Errors are the part of the contract that matters most. A provider reports
// what went wrong with an *Error carrying a Class, and the resolver in package
// fallback decides from the class alone what to do next: retry with backoff,
// refresh credentials, wait, or fall back to another source (see Recovery).
// Classify turns any error — a context deadline, a net.Error, an HTTP status —
// into a Class, so a provider that returns plain errors still works.
//
// Package providers imports nothing else from strata; everything else imports
// it. The sub-package fake holds a scriptable fake provider for tests and
// examples, and providertest a conformance suite a user runs on their own
// provider.
package providers
