package httpjson

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/providers"
)

// handlerTransport serves every request in memory with h, whatever its
// host: no sockets, so it works inside a synctest bubble.
type handlerTransport struct {
	h http.Handler
}

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}

// memClient returns a client whose requests h serves in memory.
func memClient(h http.Handler) *http.Client {
	return &http.Client{Transport: handlerTransport{h}}
}

// recorder is a handler that counts and keeps the requests it serves.
type recorder struct {
	mu   sync.Mutex
	reqs []*http.Request
	body [][]byte
	h    http.HandlerFunc
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b := make([]byte, 0)
	if r.Body != nil {
		buf := make([]byte, 1<<16)
		for {
			n, err := r.Body.Read(buf)
			b = append(b, buf[:n]...)
			if err != nil {
				break
			}
		}
	}
	rc.mu.Lock()
	rc.reqs = append(rc.reqs, r)
	rc.body = append(rc.body, b)
	rc.mu.Unlock()
	rc.h(w, r)
}

func (rc *recorder) count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.reqs)
}

func (rc *recorder) last() (*http.Request, []byte) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.reqs) == 0 {
		return nil, nil
	}
	return rc.reqs[len(rc.reqs)-1], rc.body[len(rc.body)-1]
}

// reply returns a handler answering status, body and headers (kv pairs).
func reply(status int, body string, kv ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < len(kv); i += 2 {
			w.Header().Add(kv[i], kv[i+1])
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

// mustNew builds a Provider or fails the test.
func mustNew(t testing.TB, cfg Config) *Provider {
	t.Helper()
	p, err := New(cfg)
	require.NoError(t, err, "New")
	return p
}

// asProviderError returns err's *providers.Error or fails the test.
func asProviderError(t testing.TB, err error) *providers.Error {
	t.Helper()
	var pe *providers.Error
	require.ErrorAs(t, err, &pe)
	return pe
}
