package release

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/kube"
	kubefake "helm.sh/helm/v3/pkg/kube/fake"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/releaseutil"
	"helm.sh/helm/v3/pkg/storage"
	"helm.sh/helm/v3/pkg/storage/driver"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/resource"
	"k8s.io/client-go/kubernetes/scheme"
	restfake "k8s.io/client-go/rest/fake"
	"sigs.k8s.io/yaml"
)

const (
	testNS      = "apps"
	demoChart   = "testdata/charts/demo"
	notFoundDoc = `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}`
)

// fixture is a Deployer on Helm's memory driver with a fake kube client.
type fixture struct {
	d       *Deployer
	kube    *objectsKubeClient
	applied *bytes.Buffer // what PrintingKubeClient "applied" (Create/Update/Delete)
	store   *storage.Storage
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	applied := new(bytes.Buffer)
	kc := &objectsKubeClient{FailingKubeClient: &kubefake.FailingKubeClient{
		PrintingKubeClient: kubefake.PrintingKubeClient{Out: applied},
	}}
	store := storage.Init(driver.NewMemory())
	cfg := &action.Configuration{
		Releases:     store,
		KubeClient:   kc,
		Capabilities: chartutil.DefaultCapabilities,
		Log:          func(format string, v ...any) { t.Logf("helm: "+format, v...) },
	}
	return &fixture{d: NewWithConfiguration(cfg), kube: kc, applied: applied, store: store}
}

// objectsKubeClient is FailingKubeClient whose Build turns the manifest into
// resource.Infos carrying unstructured objects (PrintingKubeClient returns an
// empty list), so Helm hands real objects to Wait. Each Info's REST client
// answers 404, so Helm's "does it already exist" check finds nothing.
type objectsKubeClient struct {
	*kubefake.FailingKubeClient

	mu      sync.Mutex
	created []string // Kind/name of every object passed to Create
	// events is every Create, Delete (hooks), DeleteWithPropagationPolicy (release objects) and
	// WaitForDelete, as "create|delete|delete-hook|wait-delete Kind/name".
	events  []string
	updates int
	// beforeUpdate, when set, runs before Update number n (1-based) is applied.
	beforeUpdate func(n int)
}

func (c *objectsKubeClient) Update(original, target kube.ResourceList, force bool) (*kube.Result, error) {
	c.mu.Lock()
	c.updates++
	n, hook := c.updates, c.beforeUpdate
	c.mu.Unlock()
	if hook != nil {
		hook(n)
	}
	return c.FailingKubeClient.Update(original, target, force)
}

func (c *objectsKubeClient) Create(resources kube.ResourceList) (*kube.Result, error) {
	c.mu.Lock()
	for _, info := range resources {
		c.created = append(c.created, info.Object.GetObjectKind().GroupVersionKind().Kind+"/"+info.Name)
	}
	c.mu.Unlock()
	c.record("create", resources)
	return c.FailingKubeClient.Create(resources)
}

func (c *objectsKubeClient) record(what string, resources kube.ResourceList) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, info := range resources {
		c.events = append(c.events, what+" "+info.Object.GetObjectKind().GroupVersionKind().Kind+"/"+info.Name)
	}
}

func (c *objectsKubeClient) Events() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.events...)
}

func (c *objectsKubeClient) Delete(resources kube.ResourceList) (*kube.Result, []error) {
	c.record("delete-hook", resources)
	return c.FailingKubeClient.Delete(resources)
}

func (c *objectsKubeClient) DeleteWithPropagationPolicy(resources kube.ResourceList, policy metav1.DeletionPropagation) (*kube.Result, []error) {
	c.record("delete", resources)
	return c.FailingKubeClient.DeleteWithPropagationPolicy(resources, policy)
}

func (c *objectsKubeClient) WaitForDelete(resources kube.ResourceList, timeout time.Duration) error {
	c.record("wait-delete", resources)
	return c.FailingKubeClient.WaitForDelete(resources, timeout)
}

func (c *objectsKubeClient) Created() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.created...)
}

func (c *objectsKubeClient) Build(r io.Reader, validate bool) (kube.ResourceList, error) {
	if c.BuildError != nil {
		return nil, c.BuildError
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	var list kube.ResourceList
	docs := releaseutil.SplitManifests(string(data))
	keys := make([]string, 0, len(docs))
	for k := range docs {
		keys = append(keys, k)
	}
	sort.Sort(releaseutil.BySplitManifestsOrder(keys))
	for _, k := range keys {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(docs[k]), &m); err != nil {
			return nil, err
		}
		if len(m) == 0 {
			continue
		}
		u := &unstructured.Unstructured{Object: m}
		if u.GetNamespace() == "" { // kube.Client's builder defaults the namespace too
			u.SetNamespace(testNS)
		}
		gvk := u.GroupVersionKind()
		list = append(list, &resource.Info{
			Name:      u.GetName(),
			Namespace: u.GetNamespace(),
			Object:    u,
			Client:    notFoundClient(gvk.GroupVersion()),
			Mapping: &meta.RESTMapping{
				GroupVersionKind: gvk,
				Resource:         schema.GroupVersionResource{Group: gvk.Group, Version: gvk.Version, Resource: strings.ToLower(gvk.Kind) + "s"},
				Scope:            meta.RESTScopeNamespace,
			},
		})
	}
	return list, nil
}

func notFoundClient(gv schema.GroupVersion) *restfake.RESTClient {
	return &restfake.RESTClient{
		GroupVersion:         gv,
		NegotiatedSerializer: scheme.Codecs.WithoutConversion(),
		Client: restfake.CreateHTTPClient(func(*http.Request) (*http.Response, error) {
			h := http.Header{}
			h.Set("Content-Type", runtime.ContentTypeJSON)
			return &http.Response{StatusCode: http.StatusNotFound, Header: h, Body: io.NopCloser(strings.NewReader(notFoundDoc))}, nil
		}),
	}
}

// waitCall records one call of a recordingWaiter.
type waitCall struct {
	objects  []string // Kind/name
	timeout  time.Duration
	rollback bool // IsRollbackWait(ctx)
	hook     bool // IsHookWait(ctx)
}

// recordingWaiter records its calls and answers with results[i] for call i
// (nil when past the end). A result of errBlock blocks until ctx is done.
type recordingWaiter struct {
	mu      sync.Mutex
	calls   []waitCall
	results []error
	ctxErrs map[int]error // call index -> ctx.Err() seen at the end of the call
	// onCall, when set, runs at the start of call n (1-based), before the answer.
	onCall func(n int)
}

var errBlock = &blockMarker{}

type blockMarker struct{}

func (*blockMarker) Error() string { return "block until cancelled" }

func (w *recordingWaiter) Wait(ctx context.Context, objs []runtime.Object, timeout time.Duration) error {
	var names []string
	for _, o := range objs {
		acc, err := meta.Accessor(o)
		if err != nil {
			return err
		}
		names = append(names, o.GetObjectKind().GroupVersionKind().Kind+"/"+acc.GetName())
	}
	w.mu.Lock()
	i := len(w.calls)
	w.calls = append(w.calls, waitCall{objects: names, timeout: timeout, rollback: IsRollbackWait(ctx), hook: IsHookWait(ctx)})
	var res error
	if i < len(w.results) {
		res = w.results[i]
	}
	onCall := w.onCall
	w.mu.Unlock()
	if onCall != nil {
		onCall(i + 1)
	}
	if res == errBlock {
		<-ctx.Done()
		res = ctx.Err()
	}
	w.mu.Lock()
	if w.ctxErrs == nil {
		w.ctxErrs = map[int]error{}
	}
	w.ctxErrs[i] = ctx.Err()
	w.mu.Unlock()
	return res
}

func (w *recordingWaiter) Calls() []waitCall {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]waitCall(nil), w.calls...)
}

// statuses lists the stored revisions as "N:status", oldest first.
func statuses(t *testing.T, s *storage.Storage, name string) []string {
	t.Helper()
	hist, err := s.History(name)
	if err != nil {
		return nil
	}
	releaseutil.SortByRevision(hist)
	var out []string
	for _, r := range hist {
		out = append(out, strconv.Itoa(r.Version)+":"+r.Info.Status.String())
	}
	return out
}

// seed stores revisions with the given statuses (revision = index+1).
func seed(t *testing.T, s *storage.Storage, name string, sts ...release.Status) {
	t.Helper()
	ch, err := loader.Load(demoChart)
	if err != nil {
		t.Fatal(err)
	}
	for i, st := range sts {
		rel := &release.Release{
			Name: name, Namespace: testNS, Version: i + 1, Chart: ch,
			Info:     &release.Info{Status: st, Description: "seeded"},
			Manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "-config\n",
		}
		if err := s.Create(rel); err != nil {
			t.Fatal(err)
		}
	}
}

func demoOptions(name string) Options {
	return Options{Release: name, Namespace: testNS, Chart: ChartRef{Ref: demoChart}, Wait: true, Timeout: time.Minute, HistoryMax: 10}
}
