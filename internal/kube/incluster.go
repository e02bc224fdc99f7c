package kube

import (
	"github.com/go-logr/logr"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/klog/v2"
)

// inClusterLoader gives Helm a ClientConfig whose namespace is the release namespace when the
// credentials come from the pod's service account.
func inClusterLoader(cfg *rest.Config, namespace string) clientcmd.ClientConfig {
	raw := clientcmdapi.NewConfig()
	raw.Clusters["in-cluster"] = &clientcmdapi.Cluster{
		Server:                   cfg.Host,
		CertificateAuthority:     cfg.TLSClientConfig.CAFile,
		CertificateAuthorityData: cfg.TLSClientConfig.CAData,
	}
	raw.AuthInfos["in-cluster"] = &clientcmdapi.AuthInfo{Token: cfg.BearerToken, TokenFile: cfg.BearerTokenFile}
	raw.Contexts["in-cluster"] = &clientcmdapi.Context{Cluster: "in-cluster", AuthInfo: "in-cluster", Namespace: namespace}
	raw.CurrentContext = "in-cluster"
	return clientcmd.NewDefaultClientConfig(*raw, &clientcmd.ConfigOverrides{})
}

// Credentials lists every secret string inside a kubeconfig (tokens, passwords, client keys,
// certificates, exec plugin secrets, auth-provider settings) so the caller can mask them
// before anything is printed. Invalid content gives no strings; the caller masks the whole
// input anyway.
func Credentials(content []byte) []string {
	raw, err := clientcmd.Load(content)
	if err != nil {
		return nil
	}
	var out []string
	add := func(s string) {
		if s != "" {
			out = append(out, s)
		}
	}
	for _, a := range raw.AuthInfos {
		add(a.Token)
		add(a.Password)
		add(string(a.ClientKeyData))
		add(string(a.ClientCertificateData))
		if a.AuthProvider != nil {
			for _, v := range a.AuthProvider.Config {
				add(v)
			}
		}
		if a.Exec != nil {
			for _, v := range pluginCredentials(a.Exec) {
				add(v)
			}
		}
	}
	return out
}

// Quiet stops client-go's own logging (klog to stderr, e.g. "watch ended with error" from
// reflectors); the rollout tracker reports what matters through the masked job log.
func Quiet() { klog.SetLogger(logr.Discard()) }
