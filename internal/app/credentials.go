package app

import (
	"context"
	"fmt"
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/cloud"
	"github.com/helmdeploy/helm-deploy-action/internal/config"
	"github.com/helmdeploy/helm-deploy-action/internal/kube"
)

// cloudAuth prepares the in-process cluster login: for the cluster input, a token source and
// the endpoint (from cluster-server, or asked from the cloud); for a kubeconfig, the
// replacement of its exec or auth-provider plugin. Every token goes to the masker first.
func cloudAuth(ctx context.Context, s *State, o *kube.Options) error {
	in := s.Config.Cluster
	env := cloud.Env{Getenv: s.Getenv, Mask: func(v string) { s.Log.Mask(v) }, Now: s.Now}
	if g := cloud.NewGitHubOIDC(s.Getenv, nil); g != nil {
		s.Log.Mask(g.RequestToken())
		env.IDToken = g.IDToken
	}
	if in.Kind != "" {
		spec := withIdentity(cloud.Spec{Kind: in.Kind, Region: in.Region, Name: in.Name, Project: in.Project,
			Location: in.Location, Subscription: in.Subscription, ResourceGroup: in.ResourceGroup}, in)
		login, err := cloud.Open(ctx, spec, env)
		if err != nil {
			return fmt.Errorf("logging in to the %s: %w", spec, err)
		}
		server, ca := in.Server, in.CAData
		if server == "" {
			if server, ca, err = login.Endpoint(ctx); err != nil {
				return fmt.Errorf("looking up the %s: %w", spec, err)
			}
			s.Log.Infof("%s: API server %s (from the cloud's API)", spec, server)
		}
		o.Server, o.CAData, o.Tokens = server, ca, login.Source
		s.Cluster.Login = login
		return nil
	}
	o.Plugin = func(p kube.Plugin) (kube.TokenSource, error) {
		r, err := cloud.FromExec(cloud.Plugin{Command: p.Command, Args: p.Args, Env: p.Env, AuthProvider: p.AuthProvider})
		s.Log.Mask(r.Secrets...)
		if err != nil {
			return nil, err
		}
		if err := identityFits(r.Spec.Kind, in); err != nil {
			return nil, err
		}
		spec := withIdentity(r.Spec, in)
		penv := env
		penv.Getenv = overlay(r.Env, s.Getenv)
		login, err := cloud.Open(ctx, spec, penv)
		if err != nil {
			return nil, fmt.Errorf("logging in to the %s: %w", spec, err)
		}
		s.Cluster.Login = login
		return login.Source, nil
	}
	return nil
}

// withIdentity completes a Spec with the identity inputs; an input wins over the plugin's flag.
func withIdentity(s cloud.Spec, in config.ClusterSpec) cloud.Spec {
	pick := func(input, plugin string) string {
		if input != "" {
			return input
		}
		return plugin
	}
	s.RoleARN = pick(in.RoleARN, s.RoleARN)
	s.WorkloadIdentityProvider = pick(in.WorkloadIdentityProvider, s.WorkloadIdentityProvider)
	s.ServiceAccount = pick(in.ServiceAccount, s.ServiceAccount)
	s.ClientID = pick(in.ClientID, s.ClientID)
	s.TenantID = pick(in.TenantID, s.TenantID)
	s.Audience = pick(in.Audience, s.Audience)
	return s
}

// identityFits refuses identity inputs meant for another cloud than the kubeconfig's plugin.
func identityFits(kind string, in config.ClusterSpec) error {
	for _, c := range []struct{ input, value, kind string }{
		{"role-to-assume", in.RoleARN, cloud.EKS},
		{"workload-identity-provider", in.WorkloadIdentityProvider, cloud.GKE},
		{"service-account", in.ServiceAccount, cloud.GKE},
		{"client-id", in.ClientID, cloud.AKS},
		{"tenant-id", in.TenantID, cloud.AKS},
	} {
		if c.value != "" && c.kind != kind {
			return fmt.Errorf("input %q is for %s clusters, but the kubeconfig's plugin logs in to %s", c.input, c.kind, kind)
		}
	}
	return nil
}

// overlay reads the plugin's environment before the process's.
func overlay(m map[string]string, getenv func(string) string) func(string) string {
	return func(k string) string {
		if v, ok := m[k]; ok {
			return v
		}
		return getenv(k)
	}
}

// describeLogin is the log line saying which identity the cluster sees.
func describeLogin(l *cloud.Login, now time.Time) string {
	line := fmt.Sprintf("logged in to the %s as %s", l.Spec, l.Source.Identity())
	if exp := l.Source.Expiry(); !exp.IsZero() {
		line += fmt.Sprintf("; token valid for %s, renewed before it expires", exp.Sub(now).Round(time.Second))
	}
	return line
}
