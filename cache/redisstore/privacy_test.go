package redisstore

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/strata-go/strata/fallback"
	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/providers/fake"
)

// A sensitive param never reaches the shared tier: not in its keys, not in
// its values; and Forget removes a person's entries from it.
func TestSensitiveParamsInTheSharedTier(t *testing.T) {
	addr := redisAddr(t)
	client := newClient(t, addr)
	prefix := testPrefix(t, client)
	s := openStore(t, addr, Config{Prefix: prefix, Timeout: testTimeout})
	const email = "jane.doe@example.org"
	const secret = "sk-LIVE-redis-77aa"
	cfg := fallback.Config{
		Providers: []fallback.ProviderConfig{{Name: "ads", Tier: fallback.Primary, Confidence: 0.9, DataTypes: []string{"cpc"}}},
		DataTypes: []fallback.DataTypeConfig{{
			Name: "cpc",
			Params: []fallback.ParamConfig{
				{Name: "keyword", Required: true},
				{Name: "email", Sensitive: true},
			},
			TTL: time.Minute,
		}},
	}
	cfg.Cache.StoreTimeout = testTimeout // see TestResolversShareTheTier
	p, err := fake.New(fake.Config{Name: "ads", Value: 1.5})
	if err != nil {
		t.Fatal(err)
	}
	creds := providers.CredentialsFunc(func(context.Context, string) (providers.Secret, error) { return providers.NewSecret(secret), nil })
	r, err := fallback.New(cfg, fallback.WithProvider("ads", p), fallback.WithStore(s), fallback.WithHashKey([]byte("fleet-key")), fallback.WithCredentials(creds))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx := context.Background()
	for _, kw := range []string{"shoes", "boots"} {
		if _, err := r.Resolve(ctx, "cpc", fallback.Params{"keyword": kw, "email": email}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.Resolve(ctx, "cpc", fallback.Params{"keyword": "hats", "email": "other@example.org"}); err != nil {
		t.Fatal(err)
	}

	// The resolver writes from a goroutine of its own.
	for deadline := time.Now().Add(5 * time.Second); s.Stats().Sets < 3 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	keys, err := client.Keys(ctx, prefix+":*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 3 {
		t.Fatalf("want 3 keys in the shared tier, got %v", keys)
	}
	for _, k := range keys {
		v, err := client.Get(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, leak := range []string{email, "other@example.org", secret} {
			if strings.Contains(k, leak) || strings.Contains(v, leak) {
				t.Fatalf("the shared tier holds %q in key %q or its value", leak, k)
			}
		}
		if !strings.Contains(k, "email=h:") {
			t.Fatalf("key %q does not carry the keyed hash", k)
		}
	}

	rep, err := r.Forget(ctx, "email", email)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Store != 2 || rep.Cache != 2 {
		t.Fatalf("Forget removed %+v; want 2 from the store and 2 from the cache", rep)
	}
	keys, _ = client.Keys(ctx, prefix+":*").Result()
	if len(keys) != 1 {
		t.Fatalf("after Forget the shared tier holds %v; want only the other person's entry", keys)
	}
}
