// Command pulumi-resource-kubernetes is a RENDER-ONLY STAND-IN for the Pulumi Kubernetes provider, written for
// this repository. It is not the upstream provider.
//
// Why it exists: the Go module proxy reachable from our machines refuses
// github.com/pulumi/pulumi-kubernetes/provider/v4 (HTTP 403 "This module version is not available" for
// v4.34.2, @latest and the version list), the npm package @pulumi/kubernetes ships no binary, and
// get.pulumi.com / GitHub releases are unreachable. So the real provider cannot be built or downloaded here.
//
// What it does: it supports ONLY providers configured with `renderYamlToDirectory`, and reproduces what the
// upstream provider (v4.x, provider/pkg/provider/provider.go) does in that mode:
//   - Check: normalises built-in kinds through their typed Go structs (then prunes back to the input's
//     shape), turns Secret stringData into base64 data, autonames unnamed objects
//     (`<name>-<8 hex>` + annotation pulumi.com/autonamed), adds app.kubernetes.io/managed-by only when
//     enableServerSideApply is false, applies the provider's default namespace if one is configured;
//   - Create/Update: write the object, with secrets in plain text, as YAML (encoding/json → sigs.k8s.io/yaml)
//     to <dir>/0-crd/ (CustomResourceDefinitions) or <dir>/1-manifest/, file name
//     `<apiVersion with / and : → _>-<lowercase kind>-<namespace or "default">-<name>.yaml`;
//   - Delete: removes that file; Read: returns the stored state; preview writes nothing.
//
// What it does NOT do: talk to a cluster, Helm releases, Chart/ConfigFile/ConfigGroup/Kustomize components
// (Construct), invokes, the per-kind "replace on change" table (only name/namespace/kind/apiVersion changes
// replace here), OpenAPI validation. Anything outside render mode fails with a clear error.
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/pulumi/pulumi/pkg/v3/resource/provider"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"
)

// version is the @pulumi/kubernetes version this stand-in answers for (set with -ldflags -X main.version=…).
var version = "4.34.2"

const (
	annotationAutonamed = "pulumi.com/autonamed"
	labelManagedBy      = "app.kubernetes.io/managed-by"
	inputsKey           = "__inputs"
	initialAPIVersion   = "__initialApiVersion"
	fieldManagerKey     = "__fieldManager"
)

type kubeProvider struct {
	pulumirpc.UnimplementedResourceProviderServer

	host             *provider.HostClient
	yamlDirectory    string
	serverSideApply  bool
	defaultNamespace string
	enableSecrets    bool
}

func main() {
	err := provider.Main("kubernetes", func(host *provider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		return &kubeProvider{host: host, serverSideApply: true}, nil
	})
	if err != nil {
		cmdutil.ExitError(err.Error())
	}
}

// ---------------------------------------------------------------------------------------------------------
// Provider configuration.

func (k *kubeProvider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (k *kubeProvider) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{Schema: fmt.Sprintf(`{"name":"kubernetes","version":%q}`, version)}, nil
}

func truthy(v resource.PropertyValue) bool {
	switch {
	case v.IsString():
		return v.StringValue() != ""
	case v.IsBool():
		return v.BoolValue()
	}
	return false
}

func (k *kubeProvider) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	news, err := plugin.UnmarshalProperties(req.GetNews(), plugin.MarshalOptions{KeepUnknowns: true, SkipNulls: true})
	if err != nil {
		return nil, err
	}
	var failures []*pulumirpc.CheckFailure
	if truthy(news["renderYamlToDirectory"]) {
		for _, arg := range []string{"cluster", "context", "kubeconfig"} {
			if truthy(news[resource.PropertyKey(arg)]) {
				failures = append(failures, &pulumirpc.CheckFailure{
					Property: arg,
					Reason:   fmt.Sprintf(`%q arg is not compatible with "renderYamlToDirectory" arg`, arg),
				})
			}
		}
	}
	return &pulumirpc.CheckResponse{Inputs: req.GetNews(), Failures: failures}, nil
}

func (k *kubeProvider) DiffConfig(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	opts := plugin.MarshalOptions{KeepUnknowns: true, SkipNulls: true}
	olds, err := plugin.UnmarshalProperties(req.GetOlds(), opts)
	if err != nil {
		return nil, err
	}
	news, err := plugin.UnmarshalProperties(req.GetNews(), opts)
	if err != nil {
		return nil, err
	}
	var diffs, replaces []string
	if d := olds.Diff(news); d != nil {
		for _, key := range d.ChangedKeys() {
			diffs = append(diffs, string(key))
			if key == "renderYamlToDirectory" {
				// Upstream: if the render directory changes, all the manifests are replaced.
				replaces = append(replaces, string(key))
			}
		}
	}
	if len(diffs) == 0 {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
	}
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_SOME, Diffs: diffs, Replaces: replaces}, nil
}

func (k *kubeProvider) Configure(_ context.Context, req *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	vars := req.GetVariables()
	k.yamlDirectory = vars["kubernetes:config:renderYamlToDirectory"]
	k.enableSecrets = req.GetAcceptSecrets()
	k.defaultNamespace = vars["kubernetes:config:namespace"]
	k.serverSideApply = true
	if v, ok := vars["kubernetes:config:enableServerSideApply"]; ok {
		k.serverSideApply = v == "true"
	} else if v, ok := os.LookupEnv("PULUMI_K8S_ENABLE_SERVER_SIDE_APPLY"); ok {
		k.serverSideApply = v == "true"
	}
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true}, nil
}

func (k *kubeProvider) requireRenderMode(urn resource.URN) error {
	if k.yamlDirectory == "" {
		return fmt.Errorf("%s: this pulumi-resource-kubernetes is the repository's render-only stand-in "+
			"(engine/cmd/pulumi-resource-kubernetes); it needs a Provider with renderYamlToDirectory and cannot "+
			"talk to a cluster", urn)
	}
	return nil
}

// ---------------------------------------------------------------------------------------------------------
// Object helpers (mirroring upstream provider.go / metadata / clients packages).

func mapReplUnderscoreToDash(v string) (string, bool) {
	switch v {
	case "x_kubernetes_embedded_resource", "x_kubernetes_int_or_string", "x_kubernetes_list_map_keys",
		"x_kubernetes_list_type", "x_kubernetes_map_type", "x_kubernetes_preserve_unknown_fields",
		"x_kubernetes_validations":
		return strings.ReplaceAll(v, "_", "-"), true
	}
	return "", false
}

func mapReplStripSecrets(v resource.PropertyValue) (any, bool) {
	if v.IsSecret() {
		return v.SecretValue().Element.MapRepl(nil, mapReplStripSecrets), true
	}
	return nil, false
}

func propMapToUnstructured(pm resource.PropertyMap) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: pm.MapRepl(mapReplUnderscoreToDash, mapReplStripSecrets)}
}

func hasComputedValue(obj *unstructured.Unstructured) bool {
	var walk func(v any) bool
	walk = func(v any) bool {
		switch t := v.(type) {
		case resource.Computed, resource.Output:
			return true
		case string:
			return t == plugin.UnknownStringValue
		case map[string]any:
			for _, e := range t {
				if walk(e) {
					return true
				}
			}
		case []any:
			for _, e := range t {
				if walk(e) {
					return true
				}
			}
		}
		return false
	}
	return walk(obj.Object)
}

func pruneMap(source, target map[string]any) map[string]any {
	result := map[string]any{}
	for key, value := range source {
		targetValue, ok := target[key]
		if !ok {
			continue
		}
		valueT, targetT := reflect.TypeOf(value), reflect.TypeOf(targetValue)
		if valueT == nil || targetT == nil || valueT != targetT {
			result[key] = value
			continue
		}
		switch valueT.Kind() {
		case reflect.Map:
			result[key] = pruneMap(value.(map[string]any), targetValue.(map[string]any))
		case reflect.Slice:
			result[key] = pruneSlice(value.([]any), targetValue.([]any))
		default:
			result[key] = value
		}
	}
	return result
}

func pruneSlice(source, target []any) []any {
	result := make([]any, 0, len(target))
	for i, value := range source {
		if i >= len(target) {
			break
		}
		valueT, targetT := reflect.TypeOf(value), reflect.TypeOf(target[i])
		if valueT == nil || targetT == nil || valueT != targetT {
			result = append(result, value)
			continue
		}
		switch valueT.Kind() {
		case reflect.Map:
			result = append(result, pruneMap(value.(map[string]any), target[i].(map[string]any)))
		case reflect.Slice:
			result = append(result, pruneSlice(value.([]any), target[i].([]any)))
		default:
			result = append(result, value)
		}
	}
	return result
}

func isCRD(u *unstructured.Unstructured) bool {
	return u.GetKind() == "CustomResourceDefinition" &&
		strings.HasPrefix(u.GetAPIVersion(), "apiextensions.k8s.io/")
}

func isSecret(u *unstructured.Unstructured) bool {
	return u.GetKind() == "Secret" && u.GetAPIVersion() == "v1"
}

// normalizeInputs mirrors upstream normalizeInputs + clients.Normalize.
func normalizeInputs(uns *unstructured.Unstructured) *unstructured.Unstructured {
	gvk := uns.GroupVersionKind()
	switch {
	case isCRD(uns):
		if preserve, found, err := unstructured.NestedBool(uns.Object, "spec", "preserveUnknownFields"); err == nil &&
			found && !preserve {
			unstructured.RemoveNestedField(uns.Object, "spec", "preserveUnknownFields")
		}
		unstructured.RemoveNestedField(uns.Object, "status")
	case isSecret(uns):
		normalizeSecret(uns)
	case scheme.Scheme.Recognizes(gvk):
		if obj, err := scheme.Scheme.New(gvk); err == nil {
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(uns.Object, obj); err == nil {
				if m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj); err == nil {
					uns = &unstructured.Unstructured{Object: pruneMap(m, uns.Object)}
				}
			}
		}
	}
	for _, f := range []string{
		"creationTimestamp", "deletionGracePeriodSeconds", "deletionTimestamp", "generation",
		"managedFields", "resourceVersion", "uid",
	} {
		unstructured.RemoveNestedField(uns.Object, "metadata", f)
	}
	return uns
}

func normalizeSecret(uns *unstructured.Unstructured) {
	stringData, found, err := unstructured.NestedStringMap(uns.Object, "stringData")
	data, hasData, derr := unstructured.NestedMap(uns.Object, "data")
	if derr != nil || !hasData {
		data = map[string]any{}
	}
	if err != nil || !found || len(stringData) == 0 {
		if len(data) == 0 {
			return
		}
		for key, v := range data {
			if s, ok := v.(string); ok {
				if decoded, err := base64Decode(s); err == nil {
					data[key] = base64Encode(decoded)
				}
			}
		}
		_ = unstructured.SetNestedMap(uns.Object, data, "data")
		return
	}
	for key, v := range stringData {
		data[key] = base64Encode([]byte(v))
	}
	_ = unstructured.SetNestedMap(uns.Object, data, "data")
	unstructured.RemoveNestedField(uns.Object, "stringData")
}

func base64Encode(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func base64Decode(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }

func isAutonamed(u *unstructured.Unstructured) bool {
	return u.GetAnnotations()[annotationAutonamed] == "true"
}

func setAnnotationTrue(u *unstructured.Unstructured, key string) {
	ann := u.GetAnnotations()
	if ann == nil {
		ann = map[string]string{}
	}
	ann[key] = "true"
	u.SetAnnotations(ann)
}

func computedIn(pm resource.PropertyMap, field string) bool {
	if md, ok := pm["metadata"]; ok && md.IsObject() {
		if v, ok := md.ObjectValue()[resource.PropertyKey(field)]; ok && v.IsComputed() {
			return true
		}
	}
	return false
}

// clusterScoped lists the built-in cluster-scoped kinds, used only when a default namespace is configured.
var clusterScoped = map[string]bool{
	"Namespace": true, "Node": true, "PersistentVolume": true, "ClusterRole": true, "ClusterRoleBinding": true,
	"CustomResourceDefinition": true, "StorageClass": true, "PriorityClass": true, "IngressClass": true,
	"MutatingWebhookConfiguration": true, "ValidatingWebhookConfiguration": true, "APIService": true,
	"CSIDriver": true, "CSINode": true, "RuntimeClass": true, "VolumeAttachment": true,
	"CertificateSigningRequest": true, "ValidatingAdmissionPolicy": true, "ValidatingAdmissionPolicyBinding": true,
	"FlowSchema": true, "PriorityLevelConfiguration": true, "ComponentStatus": true,
}

func renderPathForResource(u *unstructured.Unstructured, dir string) string {
	namespace := "default"
	if u.GetNamespace() != "" {
		namespace = u.GetNamespace()
	}
	sanitise := strings.NewReplacer("/", "_", ":", "_")
	fileName := fmt.Sprintf("%s-%s-%s-%s.yaml",
		sanitise.Replace(u.GetAPIVersion()), strings.ToLower(u.GetKind()), namespace, u.GetName())
	if u.GetKind() == "CustomResourceDefinition" {
		return filepath.Join(dir, "0-crd", fileName)
	}
	return filepath.Join(dir, "1-manifest", fileName)
}

func renderYaml(u *unstructured.Unstructured, dir string) (string, error) {
	jsonBytes, err := u.MarshalJSON()
	if err != nil {
		return "", fmt.Errorf("failed to render YAML file: %q: %w", dir, err)
	}
	yamlBytes, err := yaml.JSONToYAML(jsonBytes)
	if err != nil {
		return "", fmt.Errorf("failed to render YAML file: %q: %w", dir, err)
	}
	for _, sub := range []string{"0-crd", "1-manifest"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return "", fmt.Errorf("failed to create directory for rendered YAML: %w", err)
		}
	}
	path := renderPathForResource(u, dir)
	if err := os.WriteFile(path, yamlBytes, 0o600); err != nil {
		return "", fmt.Errorf("failed to write YAML file: %q: %w", path, err)
	}
	return path, nil
}

// annotateSecrets copies secretness from ins to outs (upstream annotateSecrets).
func annotateSecrets(outs, ins resource.PropertyMap) {
	if outs == nil || ins == nil {
		return
	}
	for key, inValue := range ins {
		outValue, has := outs[key]
		if !has {
			continue
		}
		if outValue.IsObject() && inValue.IsObject() {
			annotateSecrets(outValue.ObjectValue(), inValue.ObjectValue())
		} else if !outValue.IsSecret() && inValue.ContainsSecrets() {
			outs[key] = resource.MakeSecret(outValue)
		}
	}
}

func checkpointObject(inputs, live *unstructured.Unstructured, fromInputs resource.PropertyMap,
	apiVersion, fieldManager string,
) resource.PropertyMap {
	object := resource.NewPropertyMapFromMap(live.Object)
	inputsPM := resource.NewPropertyMapFromMap(inputs.Object)
	annotateSecrets(object, fromInputs)
	annotateSecrets(inputsPM, fromInputs)
	if isSecret(live) {
		stringData, hasStringData := fromInputs["stringData"]
		data, hasData := object["data"]
		if hasStringData && hasData {
			if stringData.IsSecret() && !data.IsSecret() {
				object["data"] = resource.MakeSecret(data)
			}
			if stringData.IsObject() && data.IsObject() {
				annotateSecrets(data.ObjectValue(), stringData.ObjectValue())
			}
		}
	}
	object[inputsKey] = resource.NewObjectProperty(inputsPM)
	object[initialAPIVersion] = resource.NewStringProperty(apiVersion)
	object[fieldManagerKey] = resource.NewStringProperty(fieldManager)
	return object
}

func parseCheckpointObject(obj resource.PropertyMap) (inputs, live *unstructured.Unstructured) {
	pm := obj.MapRepl(nil, mapReplStripSecrets)
	in, ok := pm[inputsKey].(map[string]any)
	if !ok {
		in = map[string]any{}
	}
	delete(pm, inputsKey)
	return &unstructured.Unstructured{Object: in}, &unstructured.Unstructured{Object: pm}
}

func fqObjName(u *unstructured.Unstructured) string {
	if u.GetNamespace() == "" {
		return u.GetName()
	}
	return u.GetNamespace() + "/" + u.GetName()
}

func (k *kubeProvider) fieldManager() string {
	if !k.serverSideApply {
		return "pulumi-kubernetes"
	}
	return "pulumi-kubernetes-render"
}

func (k *kubeProvider) warn(ctx context.Context, urn resource.URN, msg string) {
	if k.host != nil {
		_ = k.host.Log(ctx, diag.Warning, urn, msg)
	}
}

func (k *kubeProvider) status(ctx context.Context, urn resource.URN, msg string) {
	if k.host != nil {
		_ = k.host.LogStatus(ctx, diag.Info, urn, msg)
	}
}

func (k *kubeProvider) marshal(pm resource.PropertyMap) (*structpb.Struct, error) {
	return plugin.MarshalProperties(pm, plugin.MarshalOptions{
		KeepUnknowns: true, SkipNulls: true, KeepSecrets: k.enableSecrets,
	})
}

var unmarshalOpts = plugin.MarshalOptions{KeepUnknowns: true, SkipNulls: true, KeepSecrets: true}

func unsupportedType(urn resource.URN) error {
	t := urn.Type().String()
	if strings.HasPrefix(t, "kubernetes:helm.sh/v3:Release") {
		return fmt.Errorf("%s: Helm Releases cannot be rendered with renderYamlToDirectory", urn)
	}
	if !strings.HasPrefix(t, "kubernetes:") {
		return fmt.Errorf("%s: unrecognized resource type %q for this provider", urn, t)
	}
	return nil
}

// ---------------------------------------------------------------------------------------------------------
// Resource lifecycle.

func (k *kubeProvider) Check(ctx context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	urn := resource.URN(req.GetUrn())
	if err := unsupportedType(urn); err != nil {
		return nil, err
	}
	olds, err := plugin.UnmarshalProperties(req.GetOlds(), unmarshalOpts)
	if err != nil {
		return nil, err
	}
	news, err := plugin.UnmarshalProperties(req.GetNews(), unmarshalOpts)
	if err != nil {
		return nil, fmt.Errorf("check failed because malformed resource inputs: %w", err)
	}
	oldInputs := propMapToUnstructured(olds)
	newInputs := normalizeInputs(propMapToUnstructured(news))

	if len(oldInputs.Object) > 0 {
		if !computedIn(news, "name") && newInputs.GetName() == "" && isAutonamed(oldInputs) {
			newInputs.SetName(oldInputs.GetName())
			setAnnotationTrue(newInputs, annotationAutonamed)
		}
		if oldInputs.GetLabels()[labelManagedBy] != "" {
			setManagedBy(newInputs)
		}
	} else {
		if !computedIn(news, "name") && !computedIn(news, "generateName") &&
			newInputs.GetGenerateName() == "" && newInputs.GetName() == "" {
			name, err := resource.NewUniqueName(req.GetRandomSeed(), urn.Name()+"-", 0, 0, nil)
			if err != nil {
				return nil, err
			}
			newInputs.SetName(name)
			setAnnotationTrue(newInputs, annotationAutonamed)
		}
		if !k.serverSideApply {
			setManagedBy(newInputs)
		}
	}
	if k.defaultNamespace != "" && newInputs.GetNamespace() == "" && !clusterScoped[newInputs.GetKind()] {
		newInputs.SetNamespace(k.defaultNamespace)
	}

	checked := resource.NewPropertyMapFromMap(newInputs.Object)
	annotateSecrets(checked, news)
	inputs, err := k.marshal(checked)
	if err != nil {
		return nil, err
	}
	if k.yamlDirectory != "" && checked.ContainsSecrets() {
		k.warn(ctx, urn, "rendered YAML will contain a secret value in plaintext")
	}
	return &pulumirpc.CheckResponse{Inputs: inputs}, nil
}

func setManagedBy(u *unstructured.Unstructured) {
	if _, computed := u.Object["metadata"].(map[string]any); !computed && u.Object["metadata"] != nil {
		return
	}
	labels := u.GetLabels()
	if labels == nil {
		labels = map[string]string{}
	}
	value := "pulumi"
	if v, ok := os.LookupEnv("PULUMI_KUBERNETES_MANAGED_BY_LABEL"); ok {
		value = v
	}
	labels[labelManagedBy] = value
	u.SetLabels(labels)
}

func (k *kubeProvider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	oldState, err := plugin.UnmarshalProperties(req.GetOlds(), unmarshalOpts)
	if err != nil {
		return nil, err
	}
	news, err := plugin.UnmarshalProperties(req.GetNews(), unmarshalOpts)
	if err != nil {
		return nil, err
	}
	oldInputs, _ := parseCheckpointObject(oldState)
	oldInputs = normalizeInputs(oldInputs)
	newInputs := normalizeInputs(propMapToUnstructured(news))

	oldJSON, err := json.Marshal(oldInputs.Object)
	if err != nil {
		return nil, err
	}
	newJSON, err := json.Marshal(newInputs.Object)
	if err != nil {
		return nil, err
	}
	if string(oldJSON) == string(newJSON) && !hasComputedValue(newInputs) {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
	}

	var diffs []string
	keys := map[string]bool{}
	for key := range oldInputs.Object {
		keys[key] = true
	}
	for key := range newInputs.Object {
		keys[key] = true
	}
	for key := range keys {
		if !reflect.DeepEqual(jsonRound(oldInputs.Object[key]), jsonRound(newInputs.Object[key])) {
			diffs = append(diffs, key)
		}
	}
	var replaces []string
	if oldInputs.GetName() != newInputs.GetName() && !computedIn(news, "name") {
		replaces = append(replaces, "metadata.name")
	}
	if oldInputs.GetNamespace() != newInputs.GetNamespace() && !computedIn(news, "namespace") {
		replaces = append(replaces, "metadata.namespace")
	}
	if oldInputs.GetKind() != newInputs.GetKind() || oldInputs.GetAPIVersion() != newInputs.GetAPIVersion() {
		replaces = append(replaces, "apiVersion")
	}
	deleteBeforeReplace := len(replaces) > 0 && !isAutonamed(newInputs) &&
		newInputs.GetName() == oldInputs.GetName() && newInputs.GetNamespace() == oldInputs.GetNamespace()
	return &pulumirpc.DiffResponse{
		Changes:             pulumirpc.DiffResponse_DIFF_SOME,
		Diffs:               diffs,
		Replaces:            replaces,
		DeleteBeforeReplace: deleteBeforeReplace,
	}, nil
}

func jsonRound(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

func (k *kubeProvider) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	urn := resource.URN(req.GetUrn())
	if err := unsupportedType(urn); err != nil {
		return nil, err
	}
	if req.GetPreview() {
		// Upstream returns the inputs unchanged when it cannot dry-run against a cluster.
		return &pulumirpc.CreateResponse{Id: "", Properties: req.GetProperties()}, nil
	}
	if err := k.requireRenderMode(urn); err != nil {
		return nil, err
	}
	newResInputs, err := plugin.UnmarshalProperties(req.GetProperties(), unmarshalOpts)
	if err != nil {
		return nil, fmt.Errorf("create failed because malformed resource inputs: %w", err)
	}
	newInputs := propMapToUnstructured(newResInputs)
	if newResInputs.ContainsSecrets() {
		k.warn(ctx, urn, fmt.Sprintf("rendered file %s contains a secret value in plaintext",
			renderPathForResource(newInputs, k.yamlDirectory)))
	}
	path, err := renderYaml(newInputs, k.yamlDirectory)
	if err != nil {
		return nil, err
	}
	props, err := k.marshal(checkpointObject(newInputs, newInputs, newResInputs, newInputs.GetAPIVersion(),
		k.fieldManager()))
	if err != nil {
		return nil, err
	}
	k.status(ctx, urn, "rendered "+path)
	return &pulumirpc.CreateResponse{Id: fqObjName(newInputs), Properties: props}, nil
}

func (k *kubeProvider) Update(ctx context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	urn := resource.URN(req.GetUrn())
	if req.GetPreview() {
		return &pulumirpc.UpdateResponse{Properties: req.GetNews()}, nil
	}
	if err := k.requireRenderMode(urn); err != nil {
		return nil, err
	}
	oldState, err := plugin.UnmarshalProperties(req.GetOlds(), unmarshalOpts)
	if err != nil {
		return nil, err
	}
	newResInputs, err := plugin.UnmarshalProperties(req.GetNews(), unmarshalOpts)
	if err != nil {
		return nil, fmt.Errorf("update failed because malformed resource inputs: %w", err)
	}
	newInputs := normalizeInputs(propMapToUnstructured(newResInputs))
	_, oldLive := parseCheckpointObject(oldState)
	apiVersion := newInputs.GetAPIVersion()
	if v, ok := oldState[initialAPIVersion]; ok && v.IsString() {
		apiVersion = v.StringValue()
	}
	if newResInputs.ContainsSecrets() {
		k.warn(ctx, urn, fmt.Sprintf("rendered file %s contains a secret value in plaintext",
			renderPathForResource(newInputs, k.yamlDirectory)))
	}
	path, err := renderYaml(newInputs, k.yamlDirectory)
	if err != nil {
		return nil, err
	}
	// Upstream keeps the old "live" object in render mode (checkpointObject(newInputs, oldLive, …)).
	props, err := k.marshal(checkpointObject(newInputs, oldLive, newResInputs, apiVersion, k.fieldManager()))
	if err != nil {
		return nil, err
	}
	k.status(ctx, urn, "rendered "+path)
	return &pulumirpc.UpdateResponse{Properties: props}, nil
}

func (k *kubeProvider) Delete(ctx context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	urn := resource.URN(req.GetUrn())
	if err := k.requireRenderMode(urn); err != nil {
		return nil, err
	}
	oldState, err := plugin.UnmarshalProperties(req.GetProperties(), unmarshalOpts)
	if err != nil {
		return nil, err
	}
	_, current := parseCheckpointObject(oldState)
	file := renderPathForResource(current, k.yamlDirectory)
	if err := os.Remove(file); err != nil && !errors.Is(err, os.ErrNotExist) {
		k.warn(ctx, urn, fmt.Sprintf("failed to delete YAML file %q: %v", file, err))
	}
	k.status(ctx, urn, "deleted "+file)
	return &emptypb.Empty{}, nil
}

func (k *kubeProvider) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: req.GetProperties(), Inputs: req.GetInputs()}, nil
}

func (k *kubeProvider) Invoke(_ context.Context, req *pulumirpc.InvokeRequest) (*pulumirpc.InvokeResponse, error) {
	return nil, status.Errorf(codes.Unimplemented,
		"invoke %s is not supported by the render-only stand-in provider", req.GetTok())
}

func (k *kubeProvider) Construct(_ context.Context, req *pulumirpc.ConstructRequest) (*pulumirpc.ConstructResponse, error) {
	return nil, status.Errorf(codes.Unimplemented,
		"component %s is not supported by the render-only stand-in provider", req.GetType())
}

func (k *kubeProvider) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}
