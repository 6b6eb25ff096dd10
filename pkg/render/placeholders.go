package render

import "sort"

// PlaceholderSecrets returns, for every value_from.secret_key_ref in spec
// (walked as the substitution walks it: maps only) whose Secret or key is
// not in have, a placeholder value "PLACEHOLDER:<secret>/<key>". Offline
// rendering uses it so that a spec renders without its Secrets.
func PlaceholderSecrets(spec map[string]any, have map[string]map[string][]byte) map[string]map[string][]byte {
	out := map[string]map[string][]byte{}
	for name, data := range have {
		out[name] = map[string][]byte{}
		for k, v := range data {
			out[name][k] = v
		}
	}
	var walk func(m map[string]any)
	walk = func(m map[string]any) {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			child, ok := m[k].(map[string]any)
			if !ok {
				continue
			}
			vf, _ := child["value_from"].(map[string]any)
			ref, _ := vf["secret_key_ref"].(map[string]any)
			if ref != nil {
				name, _ := ref["name"].(string)
				key, _ := ref["key"].(string)
				if out[name] == nil {
					out[name] = map[string][]byte{}
				}
				if _, ok := out[name][key]; !ok {
					out[name][key] = []byte(placeholderPrefix + name + "/" + key)
				}
				continue
			}
			walk(child)
		}
	}
	walk(spec)
	return out
}

// PlaceholderRedisPassword stands for the Redis password (Secret
// generated-redis-password of the redis service) in an offline render.
const PlaceholderRedisPassword = placeholderPrefix + DefaultRedisNamespace + "/" + RedisSecret + ":password"
