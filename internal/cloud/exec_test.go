package cloud

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestFromExecRecognisesTheCloudCLIs(t *testing.T) {
	cases := []struct {
		name    string
		plugin  Plugin
		want    Spec
		secrets []string
	}{
		{"aws eks update-kubeconfig", Plugin{Command: "aws",
			Args: []string{"--region", "eu-west-1", "eks", "get-token", "--cluster-name", "prod", "--output", "json"}},
			Spec{Kind: EKS, Plugin: "aws eks get-token", Region: "eu-west-1", Name: "prod"}, nil},
		{"aws with role and profile env", Plugin{Command: "/usr/local/bin/aws",
			Args: []string{"--region", "us-east-1", "eks", "get-token", "--cluster-name", "c1", "--role", "arn:aws:iam::1:role/deploy"},
			Env:  map[string]string{"AWS_PROFILE": "ci"}},
			Spec{Kind: EKS, Plugin: "aws eks get-token", Region: "us-east-1", Name: "c1", RoleARN: "arn:aws:iam::1:role/deploy"}, nil},
		{"aws outposts cluster id, region from env", Plugin{Command: "aws",
			Args: []string{"eks", "get-token", "--cluster-id", "0123-abcd"}, Env: map[string]string{"AWS_REGION": "ap-south-1"}},
			Spec{Kind: EKS, Plugin: "aws eks get-token", Region: "ap-south-1", Name: "0123-abcd"}, nil},
		{"aws-iam-authenticator", Plugin{Command: "aws-iam-authenticator",
			Args: []string{"token", "-i", "legacy", "-r", "arn:aws:iam::2:role/x"},
			Env:  map[string]string{"AWS_SECRET_ACCESS_KEY": "s3cr3t", "AWS_DEFAULT_REGION": "us-west-2"}},
			Spec{Kind: EKS, Plugin: "aws-iam-authenticator", Region: "us-west-2", Name: "legacy", RoleARN: "arn:aws:iam::2:role/x"},
			[]string{"s3cr3t"}},
		{"gke-gcloud-auth-plugin", Plugin{Command: "gke-gcloud-auth-plugin"},
			Spec{Kind: GKE, Plugin: "gke-gcloud-auth-plugin"}, nil},
		{"gke plugin from the SDK path with ADC and impersonation", Plugin{
			Command: "/usr/lib/google-cloud-sdk/bin/gke-gcloud-auth-plugin",
			Args:    []string{"--use_application_default_credentials", "--impersonate_service_account=deploy@p.iam.gserviceaccount.com"}},
			Spec{Kind: GKE, Plugin: "gke-gcloud-auth-plugin", ServiceAccount: "deploy@p.iam.gserviceaccount.com"}, nil},
		{"legacy gcp auth-provider", Plugin{AuthProvider: "gcp"}, Spec{Kind: GKE, Plugin: "gcp auth-provider"}, nil},
		{"kubelogin workloadidentity", Plugin{Command: "kubelogin",
			Args: []string{"get-token", "--login", "workloadidentity", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630",
				"--client-id", "cid", "--tenant-id", "tid"}},
			Spec{Kind: AKS, Plugin: "kubelogin (workloadidentity)", ServerID: "6dae42f8-4368-4678-94ff-3960e28e3630", ClientID: "cid", TenantID: "tid"}, nil},
		{"kubelogin spn with a secret argument", Plugin{Command: "kubelogin.exe",
			Args: []string{"get-token", "-l", "spn", "--server-id", "sid", "--client-id", "cid", "--tenant-id", "tid", "--client-secret", "hunter2"}},
			Spec{Kind: AKS, Plugin: "kubelogin (spn)", ServerID: "sid", ClientID: "cid", TenantID: "tid"}, []string{"hunter2"}},
		{"kubelogin devicecode from az aks get-credentials", Plugin{Command: "kubelogin",
			Args: []string{"get-token", "--environment", "AzurePublicCloud", "--server-id", "sid", "--client-id",
				"80faf920-1908-4b52-b5ef-a8e7bedfc67a", "--tenant-id", "tid"}},
			Spec{Kind: AKS, Plugin: "kubelogin (devicecode)", ServerID: "sid", TenantID: "tid"}, nil},
		{"kubelogin azurecli with env override", Plugin{Command: "kubelogin",
			Args: []string{"get-token", "--login", "devicecode", "--server-id", "sid"}, Env: map[string]string{"AAD_LOGIN_METHOD": "azurecli"}},
			Spec{Kind: AKS, Plugin: "kubelogin (azurecli)", ServerID: "sid"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := FromExec(c.plugin)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(r.Spec, c.want) {
				t.Fatalf("spec\n got %+v\nwant %+v", r.Spec, c.want)
			}
			if !slices.Equal(r.Secrets, c.secrets) {
				t.Fatalf("secrets %v, want %v", r.Secrets, c.secrets)
			}
		})
	}
}

func TestFromExecKubeloginSecretReachesTheProvider(t *testing.T) {
	r, err := FromExec(Plugin{Command: "kubelogin", Args: []string{"get-token", "--login", "spn", "--client-secret", "hunter2"}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Env["AZURE_CLIENT_SECRET"] != "hunter2" {
		t.Fatalf("env %v", r.Env)
	}
}

func TestFromExecRefusesOtherPlugins(t *testing.T) {
	cases := []struct {
		name   string
		plugin Plugin
		want   string
	}{
		{"unknown command", Plugin{Command: "/opt/bin/teleport-kube-auth", Args: []string{"login"}}, `"teleport-kube-auth"`},
		{"aws without eks get-token", Plugin{Command: "aws", Args: []string{"sts", "get-caller-identity"}}, `"aws"`},
		{"aws without a cluster", Plugin{Command: "aws", Args: []string{"eks", "get-token", "--region", "x"}}, "names no cluster"},
		{"kubelogin msi", Plugin{Command: "kubelogin", Args: []string{"get-token", "--login", "msi"}}, `"msi"`},
		{"kubelogin ropc", Plugin{Command: "kubelogin", Args: []string{"get-token", "--login", "ropc", "--password", "pw"}}, `"ropc"`},
		{"oidc auth-provider", Plugin{AuthProvider: "oidc"}, `"oidc" auth-provider`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := FromExec(c.plugin)
			if !errors.Is(err, ErrUnsupportedPlugin) {
				t.Fatalf("err = %v, want ErrUnsupportedPlugin", err)
			}
			for _, w := range []string{c.want, "aws eks get-token", "cluster input"} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not say %q: %v", w, err)
				}
			}
			if c.name == "kubelogin ropc" && !slices.Contains(r.Secrets, "pw") {
				t.Errorf("the password argument is not among the secrets to mask: %v", r.Secrets)
			}
		})
	}
}

func TestSpecValidate(t *testing.T) {
	cases := []struct {
		spec Spec
		want string // "" = valid
	}{
		{Spec{Kind: EKS, Region: "r", Name: "n"}, ""},
		{Spec{Kind: EKS, Name: "n"}, "region"},
		{Spec{Kind: GKE, Project: "p", Location: "l", Name: "n"}, ""},
		{Spec{Kind: GKE, Project: "p"}, "location, cluster name"},
		{Spec{Kind: AKS, Subscription: "s", ResourceGroup: "g", Name: "n"}, ""},
		{Spec{Kind: AKS}, "subscription, resource group, cluster name"},
		{Spec{Kind: OIDC}, "audience"},
		{Spec{Kind: "k3s"}, `unknown cluster kind "k3s"`},
	}
	for _, c := range cases {
		err := c.spec.Validate()
		if (c.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%+v: err = %v, want %q", c.spec, err, c.want)
		}
	}
}
