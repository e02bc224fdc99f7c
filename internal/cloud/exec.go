package cloud

import (
	"fmt"
	"path"
	"strings"
)

// Plugin is the credential plugin of a kubeconfig user: an exec command with its arguments and
// environment, or a legacy auth-provider name.
type Plugin struct {
	Command      string
	Args         []string
	Env          map[string]string
	AuthProvider string
}

// Recognised is what FromExec makes of a plugin.
type Recognised struct {
	Spec Spec
	// Env is the plugin's environment (AWS_REGION, AZURE_CLIENT_SECRET, ...), for the provider
	// to read before the process environment.
	Env map[string]string
	// Secrets are argument and environment values that look like credentials: mask them.
	Secrets []string
}

// Supported says, for error messages, which plugins and inputs work.
const Supported = "supported plugins: `aws eks get-token`, `aws-iam-authenticator token`, `gke-gcloud-auth-plugin`, " +
	"`kubelogin get-token` (login modes workloadidentity, spn, azurecli, devicecode, interactive) and the gcp and azure " +
	"auth-providers; or set the cluster input (eks:<region>/<name>, gke:<project>/<location>/<name>, " +
	"aks:<subscription>/<resource-group>/<name> or oidc) instead of a kubeconfig, or use a kubeconfig with a token or client certificate"

// FromExec recognises the plugins the cloud CLIs write into kubeconfigs and returns the Spec
// of the in-process provider that replaces them. Any other plugin is ErrUnsupportedPlugin.
func FromExec(p Plugin) (Recognised, error) {
	r := Recognised{Env: p.Env}
	for k, v := range p.Env {
		if secretName(k) && v != "" {
			r.Secrets = append(r.Secrets, v)
		}
	}
	f := parseFlags(p.Args)
	for _, k := range []string{"client-secret", "password", "client-certificate-password", "external-id"} {
		if v := f.get(k); v != "" {
			r.Secrets = append(r.Secrets, v)
		}
	}
	if p.AuthProvider != "" {
		switch p.AuthProvider {
		case "gcp":
			r.Spec = Spec{Kind: GKE, Plugin: "gcp auth-provider"}
			return r, nil
		case "azure":
			r.Spec = Spec{Kind: AKS, Plugin: "azure auth-provider"}
			return r, nil
		}
		return r, fmt.Errorf("%w: the kubeconfig uses the %q auth-provider; %s", ErrUnsupportedPlugin, p.AuthProvider, Supported)
	}
	cmd := path.Base(strings.ReplaceAll(p.Command, `\`, "/"))
	cmd = strings.TrimSuffix(cmd, ".exe")
	switch {
	case cmd == "aws" && f.has("eks") && f.has("get-token"):
		r.Spec = Spec{Kind: EKS, Plugin: "aws eks get-token",
			Region:  first(f.get("region"), p.Env["AWS_REGION"], p.Env["AWS_DEFAULT_REGION"]),
			Name:    first(f.get("cluster-name"), f.get("cluster-id")),
			RoleARN: first(f.get("role-arn"), f.get("role"))}
	case cmd == "aws-iam-authenticator" && f.has("token"):
		r.Spec = Spec{Kind: EKS, Plugin: "aws-iam-authenticator",
			Region:  first(f.get("region"), p.Env["AWS_REGION"], p.Env["AWS_DEFAULT_REGION"]),
			Name:    first(f.get("cluster-id"), f.get("i"), p.Env["KUBERNETES_AWS_AUTHENTICATOR_CLUSTER_ID"]),
			RoleARN: first(f.get("role"), f.get("r"), p.Env["DEFAULT_ROLE"])}
	case cmd == "gke-gcloud-auth-plugin":
		r.Spec = Spec{Kind: GKE, Plugin: "gke-gcloud-auth-plugin",
			Project: f.get("project"), Location: f.get("location"), Name: f.get("cluster"),
			ServiceAccount: f.get("impersonate_service_account")}
	case cmd == "kubelogin" && f.has("get-token"):
		return kubelogin(r, f, p.Env)
	default:
		return r, fmt.Errorf("%w: the kubeconfig runs %q, which the action's image does not contain; %s",
			ErrUnsupportedPlugin, cmd, Supported)
	}
	if r.Spec.Kind == EKS && r.Spec.Name == "" {
		return r, fmt.Errorf("%w: the kubeconfig's %s plugin names no cluster (--cluster-name or --cluster-id); %s", ErrUnsupportedPlugin, r.Spec.Plugin, Supported)
	}
	return r, nil
}

func kubelogin(r Recognised, f flags, env map[string]string) (Recognised, error) {
	mode := first(env["AAD_LOGIN_METHOD"], f.get("login"), f.get("l"), "devicecode")
	r.Spec = Spec{Kind: AKS, Plugin: "kubelogin (" + mode + ")", ServerID: f.get("server-id")}
	switch mode {
	case "workloadidentity", "spn":
		r.Spec.ClientID = first(f.get("client-id"), env["AZURE_CLIENT_ID"], env["AAD_SERVICE_PRINCIPAL_CLIENT_ID"])
		r.Spec.TenantID = first(f.get("tenant-id"), env["AZURE_TENANT_ID"])
		if s := f.get("client-secret"); s != "" && env["AZURE_CLIENT_SECRET"] == "" {
			r.Env = withEnv(env, "AZURE_CLIENT_SECRET", s)
		}
		if s := env["AAD_SERVICE_PRINCIPAL_CLIENT_SECRET"]; s != "" && r.Env["AZURE_CLIENT_SECRET"] == "" {
			r.Env = withEnv(r.Env, "AZURE_CLIENT_SECRET", s)
		}
	case "azurecli", "devicecode", "interactive":
		// Interactive logins cannot run in a job, and azure/login leaves no state a container
		// action can read: the identity comes from the client-id and tenant-id inputs.
		r.Spec.TenantID = f.get("tenant-id")
	default:
		return r, fmt.Errorf("%w: kubelogin login mode %q cannot run in a container action; %s", ErrUnsupportedPlugin, mode, Supported)
	}
	return r, nil
}

func withEnv(env map[string]string, k, v string) map[string]string {
	out := make(map[string]string, len(env)+1)
	for a, b := range env {
		out[a] = b
	}
	out[k] = v
	return out
}

// secretName tells environment variable names whose values are credentials.
func secretName(k string) bool {
	k = strings.ToUpper(k)
	for _, w := range []string{"SECRET", "PASSWORD", "TOKEN", "ACCESS_KEY", "PRIVATE"} {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

func first(vs ...string) string {
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// flags is a plugin's argument list: words, and --name value / --name=value / -n value pairs.
type flags struct {
	words  map[string]bool
	values map[string]string
}

func parseFlags(args []string) flags {
	f := flags{words: map[string]bool{}, values: map[string]string{}}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			f.words[a] = true
			continue
		}
		name := strings.TrimLeft(a, "-")
		if k, v, ok := strings.Cut(name, "="); ok {
			f.values[k] = v
			continue
		}
		if i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			f.values[name] = args[i+1]
			i++
			continue
		}
		f.values[name] = "true"
	}
	return f
}

func (f flags) has(word string) bool { return f.words[word] }

func (f flags) get(name string) string {
	if v := f.values[name]; v != "true" {
		return v
	}
	return ""
}
