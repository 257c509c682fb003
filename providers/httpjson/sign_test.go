package httpjson

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/providers"
)

// The references below were built by hand from the canonical string that
// Signing documents, and their HMACs computed outside Go (Python's hmac
// module), so that a bug shared by the package and the test cannot hide.

func TestSigningPOSTHexUnixSeconds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The bubble's clock reads 2000-01-01T00:00:00Z: Unix 946684800.
		rc := &recorder{h: reply(200, `{"v": 1}`)}
		p := mustNew(t, Config{
			Client:     memClient(rc),
			Method:     http.MethodPost,
			URL:        "https://api.example.com/v1/quote/{symbol}?interval={interval}",
			Body:       `{"symbol":"{symbol}","fields":["price"]}`,
			Credential: Credential{In: CredentialQuery, Name: "apikey"},
			Value:      "v",
			Signing:    &Signing{Key: providers.NewSecret("signing-key")},
		})
		req := providers.Request{
			Params:     map[string]string{"symbol": "IBM", "interval": "5min"},
			Credential: providers.NewSecret("k3y"),
		}
		_, err := p.Fetch(t.Context(), req)
		require.NoError(t, err)
		r, body := rc.last()
		const wantBody = `{"symbol":"IBM","fields":["price"]}`
		require.Equal(t, wantBody, string(body))
		// sha256 of wantBody, computed independently.
		const bodyHash = "d2c0d819aee544013a8437bad31c1b30d316ffbf9a29eee22b09206ddf50a88a"
		sum := sha256.Sum256(body)
		require.Equal(t, bodyHash, hex.EncodeToString(sum[:]), "test vector: body hash")
		canonical := "POST\n" + "/v1/quote/IBM\n" + "apikey=k3y&interval=5min\n" + "946684800\n" + bodyHash
		const wantSig = "cd7c36916c9e907589f26c10b347b3ca4651ccf19a6c120d8bf3d08e28db5b8b"
		m := hmac.New(sha256.New, []byte("signing-key"))
		m.Write([]byte(canonical))
		require.Equal(t, wantSig, hex.EncodeToString(m.Sum(nil)), "test vector: the hand-built canonical string does not give the reference HMAC")
		assert.Equal(t, "946684800", r.Header.Get("X-Timestamp"))
		assert.Equal(t, wantSig, r.Header.Get("X-Signature"))
	})
}

func TestSigningGETBase64RFC3339WithCredentialKey(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rc := &recorder{h: reply(200, `{"v": 1}`)}
		p := mustNew(t, Config{
			Client:     memClient(rc),
			URL:        "https://api.example.com/v1/quote/{symbol}?interval={interval}",
			Credential: Credential{In: CredentialQuery, Name: "apikey"},
			Value:      "v",
			Signing: &Signing{Header: "X-Sig", TimestampHeader: "X-Date",
				RFC3339Timestamp: true, Base64: true}, // no Key: the credential signs
		})
		req := providers.Request{
			Params:     map[string]string{"symbol": "IBM", "interval": "5min"},
			Credential: providers.NewSecret("k3y"),
		}
		_, err := p.Fetch(t.Context(), req)
		require.NoError(t, err)
		r, _ := rc.last()
		// HMAC-SHA256("k3y", "GET\n/v1/quote/IBM\napikey=k3y&interval=5min\n
		// 2000-01-01T00:00:00Z\n" + sha256("")), base64.
		const wantSig = "hKpgtKj0pKdxXNsLvJ+AyFytv1V9TxZM1bCdH/AaNxM="
		assert.Equal(t, "2000-01-01T00:00:00Z", r.Header.Get("X-Date"))
		assert.Equal(t, wantSig, r.Header.Get("X-Sig"))
	})
}

func TestSigningNeedsAKey(t *testing.T) {
	rc := &recorder{h: reply(200, `{"v": 1}`)}
	p := mustNew(t, Config{
		Client:  memClient(rc),
		URL:     "https://api.example.com/v1",
		Value:   "v",
		Signing: &Signing{},
	})
	_, err := p.Fetch(context.Background(), providers.Request{})
	assert.Equal(t, providers.Auth, asProviderError(t, err).Class, "signing without a key: %v", err)
	assert.ErrorIs(t, err, ErrNoCredential)
	assert.Zero(t, rc.count(), "requests sent")
}

func TestCanonicalQuery(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"", ""},
		{"b=2&a=1", "a=1&b=2"},
		{"a=2&a=1&a=10", "a=1&a=10&a=2"},
		// '+' and %20 both mean space; RFC 3986 writes %20. '~' stays.
		{"q=a+b&r=a%20b&s=x~y", "q=a%20b&r=a%20b&s=x~y"},
		// Reserved and non-ASCII characters are escaped in upper-case hex.
		{"k=%2f%3a%e2%82%ac&e=", "e=&k=%2F%3A%E2%82%AC"},
		{"flag&x=1", "flag=&x=1"},
		// An undecodable pair is kept as written, then encoded.
		{"bad=%zz", "bad=%25zz"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, canonicalQuery(tt.raw), "canonicalQuery(%q)", tt.raw)
	}
	assert.Equal(t, "GET\n/\n\n0\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		canonicalString("get", "", "", "0", nil), "canonicalString for an empty GET")
}
