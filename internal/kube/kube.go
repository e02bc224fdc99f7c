// Package kube turns the kubeconfig inputs into Kubernetes clients. It is the only place that
// knows how a kubeconfig is loaded; the kubeconfig content is kept in memory and never written
// to disk, so no later step of the job can read it.
package kube

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// ErrNoConfig means no kubeconfig input, no KUBECONFIG and no in-cluster service account.
var ErrNoConfig = errors.New("no Kubernetes credentials")

// Options says where the cluster credentials come from, in order of precedence.
type Options struct {
	Content   []byte // kubeconfig file content (input "kubeconfig")
	Path      string // input "kubeconfig-path"
	EnvPath   string // value of KUBECONFIG (list separated by the OS path separator)
	Context   string // input "kube-context"
	Namespace string // release namespace, the default for namespaced calls
	InCluster func() (*rest.Config, error)
	// Server, CAData and Tokens reach a cluster without a kubeconfig (input cluster).
	Server string
	CAData []byte
	Tokens TokenSource
	// Plugin, when set, replaces the kubeconfig user's exec or auth-provider plugin with an
	// in-process token source; it returns an error for a plugin it cannot replace.
	Plugin func(Plugin) (TokenSource, error)

	// Stats, when set, counts every request (the HDA_STATS_FILE benchmark switch).
	Stats *APIStats

	QPS       float32
	Burst     int
	UserAgent string
}

// Clients are the ready-to-use clients for one cluster.
type Clients struct {
	Getter    genericclioptions.RESTClientGetter
	REST      *rest.Config
	Clientset kubernetes.Interface
	Dynamic   dynamic.Interface // for objects of any kind (custom resources) the tracker waits on
	Namespace string
	Source    string // where the credentials came from, safe to print
	// Replaced is the kubeconfig plugin replaced by Options.Plugin (nil: none).
	Replaced *Plugin
}

// Load builds the clients. It never prints or stores credentials.
func Load(o Options) (*Clients, error) {
	if o.Server != "" {
		restCfg, cc, source, err := direct(o)
		if err != nil {
			return nil, err
		}
		return build(o, restCfg, cc, source, nil)
	}
	cc, source, err := clientConfig(o)
	if err != nil {
		return nil, err
	}
	var restCfg *rest.Config
	var replaced *Plugin
	if cc != nil {
		restCfg, err = cc.ClientConfig()
		if err != nil {
			return nil, fmt.Errorf("kubeconfig from %s: %w", source, err)
		}
		if replaced, err = replacePlugin(o, cc, restCfg); err != nil {
			return nil, fmt.Errorf("kubeconfig from %s: %w", source, err)
		}
	} else {
		inCluster := o.InCluster
		if inCluster == nil {
			inCluster = rest.InClusterConfig
		}
		restCfg, err = inCluster()
		if err != nil {
			return nil, fmt.Errorf("%w: set the kubeconfig or kubeconfig-path input (in-cluster config: %v)", ErrNoConfig, err)
		}
		source = "in-cluster service account"
		cc = inClusterLoader(restCfg, o.Namespace)
	}
	return build(o, restCfg, cc, source, replaced)
}

func build(o Options, restCfg *rest.Config, cc clientcmd.ClientConfig, source string, replaced *Plugin) (*Clients, error) {
	if o.Stats != nil {
		o.Stats.Wrap(restCfg)
	}
	if o.QPS > 0 {
		restCfg.QPS = o.QPS
	}
	if o.Burst > 0 {
		restCfg.Burst = o.Burst
	}
	if o.UserAgent != "" {
		restCfg.UserAgent = o.UserAgent
	}
	cs, err := kubernetes.NewForConfig(restCfg)
	if err != nil {
		return nil, fmt.Errorf("kubernetes client: %w", err)
	}
	dyn, err := dynamic.NewForConfig(restCfg)
	if err != nil {
		return nil, fmt.Errorf("kubernetes dynamic client: %w", err)
	}
	return &Clients{
		Getter:    &getter{rest: restCfg, loader: cc},
		REST:      restCfg,
		Clientset: cs,
		Dynamic:   dyn,
		Namespace: o.Namespace,
		Source:    source,
		Replaced:  replaced,
	}, nil
}

func clientConfig(o Options) (clientcmd.ClientConfig, string, error) {
	overrides := &clientcmd.ConfigOverrides{CurrentContext: o.Context}
	overrides.Context.Namespace = o.Namespace
	switch {
	case len(o.Content) > 0:
		raw, err := clientcmd.Load(o.Content)
		if err != nil {
			return nil, "", fmt.Errorf("input \"kubeconfig\": not a valid kubeconfig: %w", err)
		}
		if err := checkContext(raw, o.Context); err != nil {
			return nil, "", err
		}
		return clientcmd.NewDefaultClientConfig(*raw, overrides), "the kubeconfig input", nil
	case o.Path != "" || o.EnvPath != "":
		rules := &clientcmd.ClientConfigLoadingRules{ExplicitPath: o.Path}
		source := "kubeconfig-path " + o.Path
		if o.Path == "" {
			rules = &clientcmd.ClientConfigLoadingRules{Precedence: filepath.SplitList(o.EnvPath)}
			source = "KUBECONFIG " + o.EnvPath
		}
		if err := checkFiles(o); err != nil {
			return nil, "", err
		}
		raw, err := rules.Load()
		if err != nil {
			return nil, "", fmt.Errorf("kubeconfig from %s: %w", source, err)
		}
		if err := checkContext(raw, o.Context); err != nil {
			return nil, "", err
		}
		return clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides), source, nil
	}
	return nil, "", nil
}

// ErrKubeconfigMissing means the kubeconfig file named by kubeconfig-path or KUBECONFIG is not
// there. In a container action that is usually a runner path that is not mounted.
var ErrKubeconfigMissing = errors.New("kubeconfig file not found")

// checkFiles fails when the kubeconfig-path file, or every file of KUBECONFIG, is missing
// (client-go silently skips missing KUBECONFIG files and then finds no contexts at all).
func checkFiles(o Options) error {
	what, paths := "input \"kubeconfig-path\"", []string{o.Path}
	if o.Path == "" {
		what, paths = "KUBECONFIG", filepath.SplitList(o.EnvPath)
	}
	var missing []string
	for _, p := range paths {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err != nil {
			missing = append(missing, p)
		}
	}
	if len(missing) == 0 || len(missing) < len(paths) {
		return nil
	}
	return fmt.Errorf("%w: %s names %s, which does not exist in the action's container. "+
		"A container action sees only the workspace (/github/workspace), its home (/github/home) and the "+
		"runner's file-command and workflow folders; a file elsewhere on the runner (such as ~/.kube/config "+
		"written by a cloud CLI) is not mounted. Write the kubeconfig into the workspace and pass its path "+
		"in kubeconfig-path, or pass its content in the kubeconfig input",
		ErrKubeconfigMissing, what, strings.Join(missing, ", "))
}

func checkContext(raw *clientcmdapi.Config, name string) error {
	if name == "" {
		if raw.CurrentContext == "" && len(raw.Contexts) != 1 {
			return fmt.Errorf("input \"kube-context\": the kubeconfig has no current-context and %d contexts; name one", len(raw.Contexts))
		}
		return nil
	}
	if _, ok := raw.Contexts[name]; !ok {
		names := make([]string, 0, len(raw.Contexts))
		for n := range raw.Contexts {
			names = append(names, n)
		}
		return fmt.Errorf("input \"kube-context\": context %q is not in the kubeconfig (it has %v)", name, names)
	}
	return nil
}

// getter implements genericclioptions.RESTClientGetter over an in-memory config. Its discovery
// client and REST mapper are made once and shared by every caller (Helm, the tracker, the drift
// check), as kubectl's ConfigFlags does: a fresh one per call read the whole discovery again
// each time (1,820 discovery requests in the 1,000-pod benchmark). Helm invalidates the shared
// cache and resets the mapper after it installs CRDs.
type getter struct {
	rest   *rest.Config
	loader clientcmd.ClientConfig

	once   sync.Once
	dc     discovery.CachedDiscoveryInterface
	mapper meta.RESTMapper
	err    error
}

func (g *getter) ToRESTConfig() (*rest.Config, error) { return rest.CopyConfig(g.rest), nil }

func (g *getter) init() {
	g.once.Do(func() {
		cfg := rest.CopyConfig(g.rest)
		cfg.Burst = max(cfg.Burst, 100)
		dc, err := discovery.NewDiscoveryClientForConfig(cfg)
		if err != nil {
			g.err = err
			return
		}
		g.dc = memory.NewMemCacheClient(dc)
		g.mapper = restmapper.NewShortcutExpander(restmapper.NewDeferredDiscoveryRESTMapper(g.dc), g.dc, nil)
	})
}

func (g *getter) ToDiscoveryClient() (discovery.CachedDiscoveryInterface, error) {
	g.init()
	return g.dc, g.err
}

func (g *getter) ToRESTMapper() (meta.RESTMapper, error) {
	g.init()
	return g.mapper, g.err
}

func (g *getter) ToRawKubeConfigLoader() clientcmd.ClientConfig { return g.loader }
