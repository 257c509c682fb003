package fake_test

import (
	"context"
	"strings"
	"testing"

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
	if got := p.CallsFor(same); got != 3 {
		t.Errorf("CallsFor(shoes) = %d, want 3", got)
	}
	if got := p.CallsFor(other); got != 1 {
		t.Errorf("CallsFor(boots) = %d, want 1", got)
	}
	if got := p.CallsFor(providers.Request{DataType: "cpm"}); got != 0 {
		t.Errorf("CallsFor(unseen) = %d, want 0", got)
	}

	untracked := mustNew(t, fake.Config{})
	defer func() {
		if v := recover(); v == nil || !strings.Contains(v.(string), "TrackKeys") {
			t.Errorf("CallsFor without TrackKeys: recovered %v, want a panic naming TrackKeys", v)
		}
	}()
	untracked.CallsFor(req)
}

func TestStatsFailed(t *testing.T) {
	s := fake.Stats{Failures: map[providers.Class]int64{providers.Auth: 2, providers.Transient: 3}}
	if s.Failed() != 5 {
		t.Errorf("Failed() = %d, want 5", s.Failed())
	}
	if (fake.Stats{}).Failed() != 0 {
		t.Error("zero Stats: Failed() != 0")
	}
}
