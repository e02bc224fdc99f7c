package rollout

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"
)

// classifier says how the objects of a kind are judged and watched.
type classifier int

const (
	// classStatus: kstatus (ClassifyStatus), through one dynamic informer per resource and
	// namespace. It needs Options.Dynamic; without it these objects count as ready once applied.
	// Every kind that is not in trackedKinds is judged so: custom resources above all.
	classStatus classifier = iota
	// classTyped: a hand-written classifier (ClassifyDeployment, ClassifyPod, ...), through the
	// clientset's typed informers; workloads also follow their current pods, events and logs.
	classTyped
	// classApplied: ready once applied, not watched. These kinds have no status to wait for:
	// kstatus calls them Current on first sight, so watching them would only cost API calls and
	// list/watch permissions.
	classApplied
)

// kindRule is one row of the table of tracked kinds.
type kindRule struct {
	class    classifier
	resource string // the plural, for the dynamic client when there is no RESTMapper
	cluster  bool   // cluster-scoped
}

// trackedKinds is the one table of tracked kinds, by API group and kind. Kinds that are not in
// it get kstatus (classStatus), with the resource and scope from Options.RESTMapper.
//
// PersistentVolumeClaim and Service keep their hand-written rules: a lost claim is a definitive
// failure (kstatus keeps it in progress), and a LoadBalancer Service waits for an address
// (kstatus only for a cluster IP); Services of other types are not tracked.
var trackedKinds = map[schema.GroupKind]kindRule{
	{Group: "apps", Kind: "Deployment"}:  {classTyped, "deployments", false},
	{Group: "apps", Kind: "StatefulSet"}: {classTyped, "statefulsets", false},
	{Group: "apps", Kind: "DaemonSet"}:   {classTyped, "daemonsets", false},
	{Group: "batch", Kind: "Job"}:        {classTyped, "jobs", false},
	{Kind: "Pod"}:                        {classTyped, "pods", false},
	{Kind: "PersistentVolumeClaim"}:      {classTyped, "persistentvolumeclaims", false},
	{Kind: "Service"}:                    {classTyped, "services", false},

	{Group: "apps", Kind: "ReplicaSet"}:                               {classStatus, "replicasets", false},
	{Group: "batch", Kind: "CronJob"}:                                 {classStatus, "cronjobs", false},
	{Group: "autoscaling", Kind: "HorizontalPodAutoscaler"}:           {classStatus, "horizontalpodautoscalers", false},
	{Group: "policy", Kind: "PodDisruptionBudget"}:                    {classStatus, "poddisruptionbudgets", false},
	{Group: "networking.k8s.io", Kind: "Ingress"}:                     {classStatus, "ingresses", false},
	{Group: "apiextensions.k8s.io", Kind: "CustomResourceDefinition"}: {classStatus, "customresourcedefinitions", true},

	{Kind: "ConfigMap"}:      {class: classApplied},
	{Kind: "Secret"}:         {class: classApplied},
	{Kind: "ServiceAccount"}: {class: classApplied},
	{Kind: "Namespace"}:      {class: classApplied},
	{Kind: "LimitRange"}:     {class: classApplied},
	{Kind: "ResourceQuota"}:  {class: classApplied},
	{Kind: "Endpoints"}:      {class: classApplied},
	{Group: "discovery.k8s.io", Kind: "EndpointSlice"}:                              {class: classApplied},
	{Group: "apps", Kind: "ControllerRevision"}:                                     {class: classApplied},
	{Group: "rbac.authorization.k8s.io", Kind: "Role"}:                              {class: classApplied},
	{Group: "rbac.authorization.k8s.io", Kind: "RoleBinding"}:                       {class: classApplied},
	{Group: "rbac.authorization.k8s.io", Kind: "ClusterRole"}:                       {class: classApplied},
	{Group: "rbac.authorization.k8s.io", Kind: "ClusterRoleBinding"}:                {class: classApplied},
	{Group: "networking.k8s.io", Kind: "NetworkPolicy"}:                             {class: classApplied},
	{Group: "networking.k8s.io", Kind: "IngressClass"}:                              {class: classApplied},
	{Group: "scheduling.k8s.io", Kind: "PriorityClass"}:                             {class: classApplied},
	{Group: "storage.k8s.io", Kind: "StorageClass"}:                                 {class: classApplied},
	{Group: "node.k8s.io", Kind: "RuntimeClass"}:                                    {class: classApplied},
	{Group: "coordination.k8s.io", Kind: "Lease"}:                                   {class: classApplied},
	{Group: "admissionregistration.k8s.io", Kind: "ValidatingWebhookConfiguration"}: {class: classApplied},
	{Group: "admissionregistration.k8s.io", Kind: "MutatingWebhookConfiguration"}:   {class: classApplied},
}

// ruleFor returns the table's row for a kind, or kstatus for a kind the table does not list.
func ruleFor(gk schema.GroupKind) (kindRule, bool) {
	rule, ok := trackedKinds[gk]
	if !ok {
		return kindRule{class: classStatus}, false
	}
	return rule, true
}

// gvkOf is the object's group, version and kind: from its apiVersion and kind (Helm's
// unstructured objects carry them), else from client-go's scheme for typed objects.
func gvkOf(obj runtime.Object) (schema.GroupVersionKind, bool) {
	if gvk := obj.GetObjectKind().GroupVersionKind(); gvk.Kind != "" {
		return gvk, true
	}
	if _, ok := obj.(*unstructured.Unstructured); ok {
		return schema.GroupVersionKind{}, false
	}
	gvks, _, err := scheme.Scheme.ObjectKinds(obj)
	if err != nil || len(gvks) == 0 {
		return schema.GroupVersionKind{}, false
	}
	return gvks[0], true
}

// resolve maps a kind to the resource the dynamic client watches and its scope. With
// Options.RESTMapper the API server's discovery decides. Without one, a kind of the table uses
// the table's plural and scope, and any other kind is taken as namespaced with a guessed plural:
// the lower-case kind plus "s" (meta.UnsafeGuessKindToResource: "es" after an s, "ies" for a
// trailing y). A guess can be wrong (irregular plurals, cluster-scoped custom resources): a
// resource the server does not know is then reported once and counted as ready once applied.
func (t *Tracker) resolve(gvk schema.GroupVersionKind, rule kindRule, known bool) (schema.GroupVersionResource, bool, error) {
	if m := t.opts.RESTMapper; m != nil {
		mapping, err := m.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			return schema.GroupVersionResource{}, false, fmt.Errorf("map %s: %w", gvk, err)
		}
		return mapping.Resource, mapping.Scope.Name() == meta.RESTScopeNameRoot, nil
	}
	if known {
		return gvk.GroupVersion().WithResource(rule.resource), rule.cluster, nil
	}
	plural, _ := meta.UnsafeGuessKindToResource(gvk)
	return plural, false, nil
}

// asUnstructured gives a typed object of a kstatus kind the unstructured form kstatus reads.
func asUnstructured(obj runtime.Object, gvk schema.GroupVersionKind) (*unstructured.Unstructured, error) {
	if u, ok := obj.(*unstructured.Unstructured); ok {
		return u, nil
	}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, fmt.Errorf("convert %s: %w", gvk.Kind, err)
	}
	u := &unstructured.Unstructured{Object: m}
	u.SetGroupVersionKind(gvk)
	return u, nil
}

// newTarget makes the target of one object Helm applied, as the table says; nil when the
// object is not followed: a kind that is only applied, a Service that is not a LoadBalancer, a
// kstatus kind without Options.Dynamic (ready once applied, as before kstatus tracking) or
// whose resource cannot be mapped (reported).
func (t *Tracker) newTarget(obj runtime.Object) (*target, error) {
	if u, ok := obj.(*unstructured.Unstructured); ok {
		typed, err := fromUnstructured(u)
		if err != nil {
			return nil, err
		}
		obj = typed
	}
	acc, err := meta.Accessor(obj)
	if err != nil {
		return nil, nil
	}
	gvk, ok := gvkOf(obj)
	if !ok {
		return nil, nil
	}
	rule, known := ruleFor(gvk.GroupKind())
	tg := &target{kind: gvk.Kind, name: acc.GetName(), ns: acc.GetNamespace(), class: rule.class,
		res: resourceName(gvk.Kind, acc.GetName())}
	if tg.ns == "" {
		tg.ns = t.opts.Namespace
	}
	switch rule.class {
	case classApplied:
		return nil, nil
	case classTyped:
		if svc, ok := obj.(*corev1.Service); ok && svc.Spec.Type != corev1.ServiceTypeLoadBalancer {
			return nil, nil
		}
		tg.watchKey = tg.kind
		return tg, nil
	}
	if t.opts.Dynamic == nil {
		return nil, nil
	}
	gvr, cluster, err := t.resolve(gvk, rule, known)
	if err != nil {
		t.println("%s: not tracked: %v", tg.res, err)
		return nil, nil
	}
	if cluster {
		tg.ns = ""
	}
	tg.gvr, tg.watchKey = gvr, dynamicKey(gvr)
	tg.custom = !known
	return tg, nil
}
