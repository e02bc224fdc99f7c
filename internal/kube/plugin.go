package kube

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	authnv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/client-go/transport"
)

// TokenSource is a refreshing bearer-token source that drops its token when the API server
// answers 401 (client-go's transport.ResettableTokenSource).
type TokenSource = transport.ResettableTokenSource

// Plugin describes the credential plugin of the kubeconfig user in use.
type Plugin struct {
	User         string // the kubeconfig user's name
	Server       string // the cluster's API server
	Command      string // exec plugin command ("" for an auth-provider)
	Args         []string
	Env          map[string]string
	AuthProvider string // legacy auth-provider name
}

// ErrPlugin wraps the error of Options.Plugin: the kubeconfig's plugin cannot be replaced.
var ErrPlugin = errors.New("kubeconfig credential plugin")

// direct builds the config for a cluster reached without a kubeconfig (input cluster).
func direct(o Options) (*rest.Config, clientcmd.ClientConfig, string, error) {
	if o.Tokens == nil {
		return nil, nil, "", errors.New("kube: Server given without Tokens")
	}
	cfg := &rest.Config{Host: o.Server, TLSClientConfig: rest.TLSClientConfig{CAData: o.CAData}}
	cfg.Wrap(transport.ResettableTokenSourceWrapTransport(o.Tokens))
	return cfg, inClusterLoader(cfg, o.Namespace), "the cluster input", nil
}

// replacePlugin swaps the kubeconfig user's exec or auth-provider plugin for o.Plugin's token
// source, before any request is made, so that a plugin missing from the image is never run.
func replacePlugin(o Options, cc clientcmd.ClientConfig, cfg *rest.Config) (*Plugin, error) {
	if o.Plugin == nil || (cfg.ExecProvider == nil && cfg.AuthProvider == nil) {
		return nil, nil
	}
	raw, err := cc.RawConfig()
	if err != nil {
		return nil, err
	}
	ctxName := o.Context
	if ctxName == "" {
		ctxName = raw.CurrentContext
	}
	if ctxName == "" && len(raw.Contexts) == 1 {
		for n := range raw.Contexts {
			ctxName = n
		}
	}
	p := &Plugin{Server: cfg.Host}
	if kc := raw.Contexts[ctxName]; kc != nil {
		p.User = kc.AuthInfo
	}
	if e := cfg.ExecProvider; e != nil {
		p.Command, p.Args, p.Env = e.Command, e.Args, map[string]string{}
		for _, v := range e.Env {
			p.Env[v.Name] = v.Value
		}
	} else {
		p.AuthProvider = cfg.AuthProvider.Name
	}
	ts, err := o.Plugin(*p)
	if err != nil {
		return p, fmt.Errorf("%w: user %q: %w", ErrPlugin, p.User, err)
	}
	cfg.ExecProvider, cfg.AuthProvider = nil, nil
	cfg.Wrap(transport.ResettableTokenSourceWrapTransport(ts))
	return p, nil
}

// secretArgs are plugin flags whose value is a credential.
var secretArgs = map[string]bool{"client-secret": true, "password": true, "client-certificate-password": true, "external-id": true}

// pluginCredentials lists an exec plugin's secret arguments and the values of environment
// variables whose name says they are credentials (AWS_SECRET_ACCESS_KEY, ..._TOKEN); other
// values (AWS_PROFILE=default) are not secrets and masking them would blank common words.
func pluginCredentials(e *clientcmdapi.ExecConfig) []string {
	var out []string
	for i, a := range e.Args {
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || !secretArgs[name] {
			continue
		}
		if !hasVal && i+1 < len(e.Args) {
			val = e.Args[i+1]
		}
		if val != "" {
			out = append(out, val)
		}
	}
	for _, v := range e.Env {
		up := strings.ToUpper(v.Name)
		for _, w := range []string{"SECRET", "PASSWORD", "TOKEN", "ACCESS_KEY", "PRIVATE", "CREDENTIAL"} {
			if strings.Contains(up, w) && v.Value != "" {
				out = append(out, v.Value)
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

// WhoAmI asks the API server which user it sees (SelfSubjectReview, Kubernetes 1.28+).
func (c *Clients) WhoAmI(ctx context.Context) (user string, groups []string, err error) {
	r, err := c.Clientset.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authnv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		return "", nil, err
	}
	return r.Status.UserInfo.Username, r.Status.UserInfo.Groups, nil
}

// IsUnauthorized tells a 401 from the API server (the credentials were refused).
func IsUnauthorized(err error) bool { return apierrors.IsUnauthorized(err) }

// ServerVersion asks the API server its version: the first call of a run, which proves the
// credentials work.
func (c *Clients) ServerVersion() (string, error) {
	v, err := c.Clientset.Discovery().ServerVersion()
	if err != nil {
		return "", err
	}
	return v.GitVersion, nil
}
