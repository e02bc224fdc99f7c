package release

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/kube"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage/driver"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/kubernetes/fake"
)

// TestNewReadsReleasesFromSecrets checks New wires Helm's secret storage in
// the given namespace: an API server on 127.0.0.1 serves one release Secret.
func TestNewReadsReleasesFromSecrets(t *testing.T) {
	ch, err := loader.Load(demoChart)
	if err != nil {
		t.Fatal(err)
	}
	// Encode a stored release the way Helm's secret driver does.
	cs := fake.NewSimpleClientset()
	sd := driver.NewSecrets(cs.CoreV1().Secrets(testNS))
	rel := &release.Release{Name: "web", Namespace: testNS, Version: 4, Chart: ch,
		Info: &release.Info{Status: release.StatusDeployed, Description: "Upgrade complete"}}
	if err := sd.Create("sh.helm.release.v1.web.v4", rel); err != nil {
		t.Fatal(err)
	}
	secrets, err := cs.CoreV1().Secrets(testNS).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	var queries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/namespaces/"+testNS+"/secrets" {
			http.NotFound(w, r)
			return
		}
		mu.Lock()
		queries = append(queries, r.URL.Query().Get("labelSelector"))
		mu.Unlock()
		list := &corev1.SecretList{TypeMeta: metav1.TypeMeta{Kind: "SecretList", APIVersion: "v1"}}
		if r.URL.Query().Get("labelSelector") == "name=web,owner=helm" {
			list.Items = secrets.Items
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(list)
	}))
	t.Cleanup(srv.Close)

	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	conf := "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: " + srv.URL +
		"\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\nusers:\n- name: u\n  user: {}\ncurrent-context: c\n"
	if err := os.WriteFile(kubeconfig, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	flags := genericclioptions.NewConfigFlags(false)
	flags.KubeConfig = &kubeconfig

	d, err := New(flags, testNS, func(format string, v ...any) { t.Logf("helm: "+format, v...) })
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := d.kube.inner.(*kube.Client); !ok {
		t.Errorf("inner kube client is %T, want *kube.Client", d.kube.inner)
	}

	got, err := d.Latest(context.Background(), "web")
	if err != nil {
		t.Fatalf("Latest: %v", err)
	}
	if got == nil || got.Revision != 4 || got.Status != "deployed" || got.ChartName != "demo" || got.Namespace != testNS {
		t.Errorf("Latest = %+v, want revision 4 deployed of chart demo", got)
	}
	none, err := d.Latest(context.Background(), "other")
	if err != nil || none != nil {
		t.Errorf("Latest(other) = %+v, %v, want nil, nil", none, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(queries) != 2 || queries[0] != "name=web,owner=helm" {
		t.Errorf("secret queries = %q", queries)
	}

	if _, err := New(flags, "", nil); err == nil {
		t.Error("New with an empty namespace succeeded")
	}
}
