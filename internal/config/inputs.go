package config

import (
	"strings"
)

// InputSpec describes one action input. Inputs is the single source of truth
// for action.yml: names, defaults (exactly as action.yml states them) and
// one-line descriptions.
type InputSpec struct {
	Name        string
	Default     string
	Description string
	Required    bool
	// Secret inputs are redacted in errors and their values end up in
	// Config.Secrets.
	Secret bool
}

// Inputs lists every input of the action in action.yml order.
var Inputs = []InputSpec{
	// Task.
	{Name: "task", Default: "deploy", Description: "What to do: deploy (helm upgrade --install), diff (changes nothing), uninstall, rollback or status (changes nothing)."},
	// Release and chart.
	{Name: "release", Required: true, Description: "Helm release name (lowercase DNS-1123, at most 53 characters)."},
	{Name: "namespace", Default: "default", Description: "Kubernetes namespace of the release."},
	{Name: "create-namespace", Default: "false", Description: "Create the namespace if it does not exist."},
	{Name: "chart", Description: "Local chart folder or .tgz in the workspace, an oci:// reference, or a chart name together with repository (required by task deploy)."},
	{Name: "version", Description: "Chart version or semver range (oci:// and repository charts only)."},
	{Name: "repository", Description: "HTTP(S) chart repository URL, used with a chart name."},
	{Name: "repository-username", Description: "Username for the chart repository or OCI registry."},
	{Name: "repository-password", Secret: true, Description: "Password or token for the chart repository or OCI registry."},
	// Values.
	{Name: "values-files", Description: "Values files, one per line, relative to the workspace."},
	{Name: "values", Description: "Inline YAML mapping of values, merged after values-files."},
	{Name: "set", Description: "YAML mapping of dotted keys to typed values (e.g. image.tag: v1), merged after values."},
	{Name: "secret-values", Secret: true, Description: "Inline YAML mapping merged last; every value is masked in the log."},
	// Helm behaviour.
	{Name: "atomic", Default: "true", Description: "Roll back (or uninstall a first install) when the deploy fails."},
	{Name: "wait", Default: "true", Description: "Wait until the release's resources are ready."},
	{Name: "timeout", Default: "5m", Description: "Time limit of the install or upgrade as a Go duration (90s, 5m, 1h)."},
	{Name: "cleanup-on-fail", Default: "true", Description: "Delete resources created by a failed upgrade."},
	{Name: "history-max", Default: "10", Description: "Revisions kept in the release history (0 = no limit)."},
	{Name: "dry-run", Default: "false", Description: "Render and validate against the cluster without changing anything."},
	// Cluster access.
	{Name: "kubeconfig", Secret: true, Description: "Kubeconfig content, or base64 of it; written nowhere and masked."},
	{Name: "kubeconfig-path", Description: "Path of a kubeconfig file, relative to the workspace."},
	{Name: "kube-context", Description: "Kubeconfig context to use (default: the current context)."},
	// Managed clusters (no kubeconfig, no plugins, no stored keys).
	{Name: "cluster", Description: "Log in to a managed cluster without a kubeconfig: eks:<region>/<name>, gke:<project>/<location>/<name>, aks:<subscription-id>/<resource-group>/<name>, or oidc."},
	{Name: "cluster-server", Description: "API server URL with cluster (default: asked from the cloud); required with cluster: oidc."},
	{Name: "cluster-ca", Description: "API server CA certificates as PEM or base64 of PEM, with cluster-server (default: from the cloud, else the system roots)."},
	{Name: "role-to-assume", Description: "EKS: IAM role ARN to assume; keyless with the job's OIDC token (permissions: id-token: write) unless AWS keys are set."},
	{Name: "workload-identity-provider", Description: "GKE: projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>, keyless with the job's OIDC token."},
	{Name: "service-account", Description: "GKE: service account email to impersonate with workload-identity-provider (with google-github-actions/auth's credentials file, set auth's service_account input instead)."},
	{Name: "client-id", Description: "AKS: application (client) id whose federated credential trusts this workflow (keyless)."},
	{Name: "tenant-id", Description: "AKS: Microsoft Entra tenant id of client-id."},
	{Name: "audience", Description: "Audience of the job's OIDC token (default: sts.amazonaws.com, the GKE provider URL, api://AzureADTokenExchange); required with cluster: oidc."},
	// Locking and recovery.
	{Name: "lock-timeout", Default: "15m", Description: "How long to wait for another deploy of the release to finish (0 = fail at once)."},
	{Name: "lock-ttl", Default: "60s", Description: "Lease duration of the release lock; a lock not renewed for this long is taken over (at least 5s)."},
	{Name: "recover-pending", Default: "true", Description: "Recover a release left pending by a killed deploy before deploying."},
	// GitHub deployments.
	{Name: "github-token", Default: "${{ github.token }}", Secret: true, Description: "Token used to create GitHub deployments (empty = no deployment)."},
	{Name: "environment", Description: "GitHub environment of the deployment (default: the release name)."},
	{Name: "environment-url", Description: "URL of the deployed environment (absolute http or https URL)."},
	{Name: "create-deployment", Default: "auto", Description: "Create a GitHub deployment: auto, true or false."},
	{Name: "transient-environment", Default: "false", Description: "Mark the environment as transient (it will be destroyed later)."},
	{Name: "production-environment", Description: "Mark the environment as production (empty = let GitHub decide)."},
	{Name: "auto-inactive", Default: "true", Description: "Mark earlier deployments of the environment inactive on success."},
	{Name: "deployment-description", Description: "Description of the GitHub deployment."},
	{Name: "ref", Description: "Git ref of the deployment (default the commit deployed: the pull request's head SHA on pull_request and pull_request_target events, else GITHUB_SHA)."},
	// Before and after the rollout.
	{Name: "drift", Default: "warn", Description: "Before a deploy, compare the live objects with the release's last manifest: warn, fail or ignore."},
	{Name: "force-rollout", Default: "false", Description: "Annotate every pod template with the run, so pods roll even when the template did not change."},
	{Name: "verify-url", Description: "URL probed after the rollout is ready and before success; a failure is a rollout failure (rolled back)."},
	{Name: "verify-timeout", Default: "60s", Description: "Time for verify-url to answer verify-successes times in a row."},
	{Name: "verify-successes", Default: "3", Description: "Consecutive successful probes of verify-url required."},
	{Name: "verify-status", Default: "200-399", Description: "Accepted status codes of verify-url: codes and ranges, comma-separated (200,204,300-399)."},
	{Name: "verify-body", Description: "Text the body of verify-url must contain."},
	{Name: "verify-during-rollout", Default: "false", Description: "Also probe verify-url during the rolling update and count failed requests."},
	{Name: "verify-max-failures", Default: "0", Description: "Failed probes allowed during the rollout (with verify-during-rollout) before it fails."},
	{Name: "pr-comment", Default: "false", Description: "diff: post the diff as one pull-request comment per release and environment, updated in place (pull-requests: write)."},
	// Tasks other than deploy.
	{Name: "revision", Description: "rollback: the revision to roll back to (default: the previous deployed revision)."},
	{Name: "keep-history", Default: "false", Description: "uninstall: keep the release's history records (helm uninstall --keep-history)."},
	{Name: "delete-pvcs", Default: "false", Description: "uninstall: also delete the chart's PersistentVolumeClaims (kept by default)."},
	{Name: "delete-namespace", Default: "false", Description: "uninstall: delete the namespace, only if this action created it and nothing else is left in it."},
	{Name: "delete-environment", Default: "false", Description: "uninstall: delete the GitHub environment (needs a token with Administration: write; a 403 is a warning)."},
	// Rollout tracking.
	{Name: "failures-allowed", Default: "1", Description: "Transient pod failures tolerated per replica before the rollout fails."},
	{Name: "min-ready-seconds", Default: "10", Description: "Seconds (or a Go duration) everything must stay ready after the rollout."},
	{Name: "logs", Default: "all", Description: "Container logs to stream: all, failed or none."},
	{Name: "log-containers", Description: "Only stream these containers (names, one per line or comma-separated)."},
	{Name: "log-lines-on-failure", Default: "50", Description: "Last log lines printed for a failed container."},
	{Name: "max-log-streams", Default: "20", Description: "Pod log streams followed at once over the release (failing pods are always followed)."},
}

// specByName finds an input spec; it panics on a name missing from Inputs,
// which is a programming error caught by every test.
func specByName(name string) *InputSpec {
	for i := range Inputs {
		if Inputs[i].Name == name {
			return &Inputs[i]
		}
	}
	panic("config: unknown input " + name)
}

// EnvName is the environment variable the runner sets for an input:
// INPUT_ + upper-cased name with spaces as underscores and hyphens kept.
func EnvName(input string) string {
	return "INPUT_" + strings.ToUpper(strings.ReplaceAll(input, " ", "_"))
}

// reader reads inputs and records their errors.
type reader struct {
	getenv   func(string) string
	readFile func(string) ([]byte, error) // the event payload only
	collector
}

// raw returns the trimmed input or its default. A default that is a workflow
// expression (${{ ... }}) cannot be evaluated here and counts as empty.
func (r *reader) raw(name string) (string, *InputSpec) {
	spec := specByName(name)
	v := strings.TrimSpace(r.getenv(EnvName(name)))
	if v == "" && !strings.HasPrefix(spec.Default, "${{") {
		v = spec.Default
	}
	return v, spec
}

func (r *reader) str(name string) string {
	v, _ := r.raw(name)
	return v
}

func (r *reader) fail(name, value, format string, args ...any) {
	r.add(specByName(name), value, format, args...)
}

// lines splits a multi-line input like @actions/core getMultilineInput: on
// "\n", each line trimmed (which also drops a "\r"), empty lines dropped.
func splitLines(v string) []string {
	var out []string
	for _, l := range strings.Split(v, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
