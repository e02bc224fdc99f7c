package config

import (
	"encoding/base64"
	"errors"
	"testing"
)

// FuzzParse checks that Parse never panics, returns either a Config or an
// error, and that every error it joins is an *InputError.
func FuzzParse(f *testing.F) {
	f.Add("web", "./chart", "a: 1", "image.tag: v1,2\nhosts[0]: a", "pw: x", testKubeconfig, "5m")
	f.Add("web", "oci://r.example.com/c", "- x", "a: 1\na.b: 2", "? [a]\n: b", base64.StdEncoding.EncodeToString([]byte(testKubeconfig)), "-1")
	f.Add("", "https://x", "{", `a\.b[1000].c: {d: [1, 2]}`, "", "clusters: 1", "web,\nsidecar")
	f.Add("Web_", "../..", "a: !!binary aGk=", "'[0]': 1", "x: .nan", "!!", "1e99")
	f.Fuzz(func(t *testing.T, release, chart, values, set, secretValues, kubeconfig, misc string) {
		vars := map[string]string{
			"release": release, "chart": chart, "values": values, "set": set,
			"secret-values": secretValues, "kubeconfig": kubeconfig,
			"timeout": misc, "min-ready-seconds": misc, "values-files": misc,
			"log-containers": misc, "version": misc, "kube-context": misc,
		}
		c, err := Parse(env(vars))
		if (c == nil) == (err == nil) {
			t.Fatalf("Parse returned config %v and error %v", c != nil, err)
		}
		if err == nil {
			_ = c.ValueLayers()
			return
		}
		leaves := err.(interface{ Unwrap() []error }).Unwrap()
		for _, e := range leaves {
			var ie *InputError
			if !errors.As(e, &ie) {
				t.Fatalf("error %v is not an *InputError", e)
			}
		}
	})
}
