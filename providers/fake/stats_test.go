package fake_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/providers/fake"
)

func TestTrackKeys(t *testing.T) {
	p := mustNew(t, fake.Config{TrackKeys: true})
	other := providers.Request{DataType: "cpc", Params: map[string]string{"keyword": "boots", "market": "us"}}
	for range 3 {
		p.Fetch(context.Background(), req)
	}
	p.Fetch(context.Background(), other)
	same := providers.Request{DataType: "cpc", Params: map[string]string{"market": "us", "keyword": "shoes"}}
	assert.EqualValues(t, 3, p.CallsFor(same), "CallsFor(shoes)")
	assert.EqualValues(t, 1, p.CallsFor(other), "CallsFor(boots)")
	assert.Zero(t, p.CallsFor(providers.Request{DataType: "cpm"}), "CallsFor(unseen)")

	untracked := mustNew(t, fake.Config{})
	v := func() (v any) {
		defer func() { v = recover() }()
		untracked.CallsFor(req)
		return nil
	}()
	require.IsType(t, "", v, "CallsFor without TrackKeys: recovered %v, want a panic naming TrackKeys", v)
	assert.Contains(t, v, "TrackKeys")
}

func TestStatsFailed(t *testing.T) {
	s := fake.Stats{Failures: map[providers.Class]int64{providers.Auth: 2, providers.Transient: 3}}
	assert.EqualValues(t, 5, s.Failed())
	assert.Zero(t, fake.Stats{}.Failed(), "zero Stats")
}
