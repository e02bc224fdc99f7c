package config

import (
	"bytes"
	"encoding/base64"
	"sort"
	"strings"
	"unicode/utf8"
)

// credentialKeys are the fields of a kubeconfig user (and of its
// auth-provider config) whose values are secrets.
var credentialKeys = map[string]bool{
	"token": true, "password": true, "client-key-data": true, "client-certificate-data": true,
	"id-token": true, "refresh-token": true, "access-token": true, "client-secret": true,
}

// kubeconfigResult is what the kubeconfig inputs yield.
type kubeconfigResult struct {
	content  []byte
	path     string
	context  string
	secrets  []string
	contexts []string // context names found in content
}

// decodeKubeconfig returns the kubeconfig bytes: raw itself, or what raw
// decodes to when it is standard base64 (padded or not, line breaks allowed)
// of something that looks like a kubeconfig.
func decodeKubeconfig(raw string) (content []byte, wasBase64 bool) {
	compact := strings.Join(strings.Fields(raw), "")
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding} {
		b, err := enc.DecodeString(compact)
		if err == nil && utf8.Valid(b) && (bytes.Contains(b, []byte("apiVersion")) || bytes.Contains(b, []byte("clusters"))) {
			return b, true
		}
	}
	return []byte(raw), false
}

func (r *reader) kubeconfig(workspace string) kubeconfigResult {
	raw := r.str("kubeconfig")
	res := kubeconfigResult{context: r.str("kube-context")}
	if p := r.str("kubeconfig-path"); p != "" {
		abs, ok := resolvePath(workspace, p)
		res.path = abs
		if !ok {
			r.fail("kubeconfig-path", p, "%q leaves the workspace %s; use a path inside it or an absolute path", p, workspace)
		}
		if raw != "" {
			r.fail("kubeconfig-path", p, "cannot be used together with kubeconfig: set only one of them")
		}
	}
	if raw == "" {
		return res
	}
	content, wasBase64 := decodeKubeconfig(raw)
	res.secrets = append(res.secrets, raw)
	if wasBase64 {
		res.secrets = append(res.secrets, string(content))
	}
	spec := specByName("kubeconfig")
	v, err := decodeYAML(string(content))
	if err != nil {
		r.add(spec, raw, "%s", yamlReason(err))
		return res
	}
	doc, ok := v.(map[string]any)
	if !ok {
		r.add(spec, raw, "is neither a kubeconfig (YAML with apiVersion and clusters) nor base64 of one; it is %s", kindOf(v))
		return res
	}
	res.secrets = append(res.secrets, credentials(doc)...)
	clusters, ok := doc["clusters"].([]any)
	switch {
	case doc["clusters"] == nil:
		r.add(spec, raw, "is not a kubeconfig: it has no clusters")
		return res
	case !ok:
		r.add(spec, raw, "is not a kubeconfig: clusters must be a list, but it is %s", kindOf(doc["clusters"]))
		return res
	case len(clusters) == 0:
		r.add(spec, raw, "is not a kubeconfig: its clusters list is empty")
		return res
	}
	res.content = content
	res.contexts = contextNames(doc)
	if res.context != "" && !contains(res.contexts, res.context) {
		r.fail("kube-context", res.context, "%q is not a context of the kubeconfig input (it has: %s)", res.context, strings.Join(res.contexts, ", "))
	}
	return res
}

// credentials lists the secret strings of a decoded kubeconfig: credential
// fields of every user and its auth-provider config, and exec env values.
func credentials(doc map[string]any) []string {
	var out []string
	users, _ := doc["users"].([]any)
	for _, u := range users {
		entry, _ := u.(map[string]any)
		user, _ := entry["user"].(map[string]any)
		out = append(out, credentialFields(user)...)
		if ap, ok := user["auth-provider"].(map[string]any); ok {
			cfg, _ := ap["config"].(map[string]any)
			out = append(out, credentialFields(cfg)...)
		}
		if ex, ok := user["exec"].(map[string]any); ok {
			env, _ := ex["env"].([]any)
			for _, e := range env {
				if m, ok := e.(map[string]any); ok {
					out = scalars(m["value"], out)
				}
			}
		}
	}
	return out
}

func credentialFields(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		if credentialKeys[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		out = scalars(m[k], out)
	}
	return out
}

func contextNames(doc map[string]any) []string {
	var names []string
	list, _ := doc["contexts"].([]any)
	for _, c := range list {
		if m, ok := c.(map[string]any); ok {
			if n, ok := m["name"].(string); ok {
				names = append(names, n)
			}
		}
	}
	return names
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
