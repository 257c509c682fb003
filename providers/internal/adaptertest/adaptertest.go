package adaptertest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/providers/httpjson"
	"github.com/strata-go/strata/providers/internal/leakcheck"
)

// Serve starts a test server for h, closed when the test ends.
func Serve(t testing.TB, h http.Handler) *httptest.Server {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// Send writes the recorded body testdata/name with status and the
// Content-Type contentType. A missing file fails the test (without
// stopping it: Send runs on the server's goroutine).
func Send(t testing.TB, w http.ResponseWriter, status int, contentType, name string) {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	assert.NoError(t, err)
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// Failure is a request an adapter must fail, and how.
type Failure struct {
	Name    string
	Request providers.Request
	// Class, Status and RetryAfter are what the *providers.Error carries.
	Class      providers.Class
	Status     int
	RetryAfter time.Duration
	// Text, when set, is part of the error's text.
	Text string
}

// CheckFailures fetches each failure's request from p and asserts that
// the error is a *providers.Error with the failure's class, status and
// Retry-After, holds its text, and shows none of secrets in any form (see
// leakcheck).
func CheckFailures(t *testing.T, p providers.Provider, secrets []string, failures ...Failure) {
	t.Helper()
	for _, f := range failures {
		_, err := p.Fetch(context.Background(), f.Request)
		var pe *providers.Error
		if !assert.ErrorAs(t, err, &pe, f.Name) {
			continue
		}
		assert.Equal(t, f.Class, pe.Class, "%s: %v", f.Name, err)
		assert.Equal(t, f.Status, pe.StatusCode, "%s: %v", f.Name, err)
		assert.Equal(t, f.RetryAfter, pe.RetryAfter, "%s: %v", f.Name, err)
		if f.Text != "" {
			assert.ErrorContains(t, err, f.Text, f.Name)
		}
		leakcheck.Absent(t, secrets, leakcheck.Texts(err), f.Name)
	}
}

// CheckConfigError asserts that err is an adapter's invalid-config error
// for field: it matches sentinel and reads "<sentinel>: <field>: ...";
// for a field httpjson checks, it is also a *httpjson.ConfigError naming
// the field and matching httpjson.ErrInvalidConfig.
func CheckConfigError(t *testing.T, err, sentinel error, field string) {
	t.Helper()
	require.ErrorIs(t, err, sentinel, field)
	assert.Regexp(t, "^"+regexp.QuoteMeta(sentinel.Error()+": "+field+": "), err.Error(), "the error names %s", field)
	var ce *httpjson.ConfigError
	switch field {
	case "Client", "MaxBodyBytes": // passed to httpjson, which checks them
	default:
		assert.NotErrorIs(t, err, httpjson.ErrInvalidConfig, field)
		return
	}
	assert.ErrorIs(t, err, httpjson.ErrInvalidConfig, field)
	if assert.ErrorAs(t, err, &ce, field) {
		assert.Equal(t, field, ce.Field)
	}
}

// badBaseURLs are base URLs every adapter refuses: not absolute, not
// http(s), with user info, a query, a fragment or a placeholder.
var badBaseURLs = []string{
	"api.example.com", "/relative", "://x", "ftp://x", "https://user@x",
	"https://x/?a=1", "https://x#frag", "https://x/{p}",
}

// CheckCommonConfig checks the config errors every adapter shares, with
// newAdapter building the adapter from the Config fields all three have:
// no Client, each bad BaseURL and a negative MaxBodyBytes must fail as
// CheckConfigError describes, and the defaults with a client must not.
func CheckCommonConfig(t *testing.T, sentinel error, newAdapter func(client *http.Client, baseURL string, maxBodyBytes int64) error) {
	t.Helper()
	CheckConfigError(t, newAdapter(nil, "", 0), sentinel, "Client")
	for _, base := range badBaseURLs {
		CheckConfigError(t, newAdapter(http.DefaultClient, base, 0), sentinel, "BaseURL")
	}
	CheckConfigError(t, newAdapter(http.DefaultClient, "", -1), sentinel, "MaxBodyBytes")
	assert.NoError(t, newAdapter(http.DefaultClient, "", 0))
	assert.NoError(t, newAdapter(http.DefaultClient, "http://127.0.0.1:8080/prefix/", 1<<10))
}
