// Package providertest is a conformance suite for providers.Provider
// implementations, in the manner of testing/slogtest: a user runs it from
// a test of their own provider, and strata runs it on every provider it
// ships.
//
// The suite checks the promises the resolver relies on: a success carries
// a finite value, never NaN or an infinity; a cancelled or expired context
// makes Fetch return promptly with an error wrapping ctx.Err() that
// providers.Classify maps to Canceled (or Transient, for a deadline);
// expected failures carry their class; Request.Params is left untouched;
// concurrent calls behave as they do alone (run it with -race); and, for a
// providers.BatchProvider, FetchBatch answers one response and one error
// per request, in order.
//
// Typical use, in a _test.go file of the package that holds the provider:
//
//	func TestConformance(t *testing.T) {
//		providertest.Run(t, func(t *testing.T) providertest.Subject {
//			srv := httptest.NewServer(myHandler()) // blocks on keyword "hang"
//			t.Cleanup(srv.Close)
//			p := myprovider.New(srv.URL, srv.Client())
//			hang := providers.Request{DataType: "cpc", Params: map[string]string{"keyword": "hang"}}
//			return providertest.Subject{
//				Provider: p,
//				Request:  providers.Request{DataType: "cpc", Params: map[string]string{"keyword": "shoes"}},
//				Hang:     &hang,
//				Failures: []providertest.Failure{
//					{Name: "unknown keyword", Class: providers.Permanent,
//						Request: providers.Request{DataType: "cpc", Params: map[string]string{"keyword": "nosuch"}}},
//				},
//			}
//		})
//	}
//
// Each property is a subtest (Success, ParamsUnchanged, CanceledContext,
// ExpiredDeadline, CancelWhileBlocked, DeadlineWhileBlocked,
// Failures/<name>, Concurrent, Batch), and a failure says what was
// expected and what happened. Check runs the same checks outside a test
// and returns the problems as an error.
//
// Package providertest imports only providers; the fakes of package
// providers/fake pass it when configured to behave (and fail it, as they
// should, when told to answer garbage or panic).
package providertest
