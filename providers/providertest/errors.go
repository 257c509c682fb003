package providertest

import "errors"

// ErrInvalidSubject is wrapped by the error Check returns, and Run
// reports, for a Subject the suite cannot test ("providertest: invalid
// Subject: Provider is nil").
var ErrInvalidSubject = errors.New("providertest: invalid Subject")
