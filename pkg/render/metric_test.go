package render

import (
	"context"
	"errors"
	"testing"
)

// gnocchi's Redis password: the one Gather read, else (redis enabled)
// the redis service's Secret through the store, else a wait.
func TestMetricArgsRedisPassword(t *testing.T) {
	ctx := context.Background()
	store := &recordingStore{secrets: map[string]map[string][]byte{}}
	r := &Renderer{Store: store}

	data := map[string]any{}
	if err := r.metricArgs(ctx, map[string]any{}, Input{RedisPassword: "gathered", RedisNamespace: "ns"}, data); err != nil {
		t.Fatal(err)
	}
	if data["redis_secret"] != "gathered" || data["redis_namespace"] != "ns" || len(store.secrets) != 0 {
		t.Errorf("gathered password: namespace %v, password passed %v, store asked %d times", data["redis_namespace"], data["redis_secret"] == "gathered", len(store.secrets))
	}

	withRedis := map[string]any{"features": map[string]any{"services": []any{"metric", "redis"}}}
	data = map[string]any{}
	if err := r.metricArgs(ctx, withRedis, Input{}, data); err != nil {
		t.Fatal(err)
	}
	pw := string(store.secrets[RedisSecret]["password"])
	if pw == "" || data["redis_secret"] != pw || data["redis_namespace"] != DefaultRedisNamespace {
		t.Errorf("redis enabled, Secret not gathered yet: namespace %v, the store's password passed %v", data["redis_namespace"], pw != "" && data["redis_secret"] == pw)
	}

	err := r.metricArgs(ctx, map[string]any{"features": map[string]any{"services": []any{"metric"}}}, Input{}, map[string]any{})
	if !errors.Is(err, ErrSharedSecretMissing) {
		t.Errorf("no redis, no Secret: %v", err)
	}
}
