// Package leakcheck is the tests' check, under providers, that a secret
// or a sensitive value does not leak: Forms lists what a value can look
// like once a URL or a log line has carried it, Texts lists everything an
// error exposes, and Absent asserts that no form shows in any text.
//
// It imports nothing from strata, so that every package under providers,
// package providers itself included, can use it from its tests.
package leakcheck
