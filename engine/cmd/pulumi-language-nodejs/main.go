// Command pulumi-language-nodejs is a minimal Node.js language host for the Pulumi engine, written for this
// repository.
//
// Why it exists: the upstream host (module github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3)
// is refused by the Go module proxy reachable from our machines (HTTP 403 "This module version is not
// available", see engine/README.md), and get.pulumi.com / GitHub releases are unreachable. This host is NOT a
// copy of upstream: it is a small gRPC server on top of the pinned sdk/v3 that does what the engine needs from
// a Node.js host, and leaves all the real work to the Node.js SDK in node_modules:
//
//   - Run: starts `node <node_modules/@pulumi/pulumi/cmd/run> --monitor … <entry point>` (the same entry
//     point upstream uses), passing config through PULUMI_CONFIG / PULUMI_CONFIG_SECRET_KEYS and TypeScript
//     settings through PULUMI_NODEJS_TYPESCRIPT / PULUMI_NODEJS_TSCONFIG_PATH;
//   - RunPlugin: starts policy packs (`@pulumi/pulumi/cmd/run-policy-pack`) and Node.js plugins
//     (`@pulumi/pulumi/cmd/run-plugin`), streaming their output back to the engine;
//   - GetRequiredPackages: lists resource plugins declared by packages in node_modules
//     (package.json "pulumi": {"resource": true, ...});
//   - GetPluginInfo, Handshake, About, GetProgramDependencies: small answers.
//
// Not implemented (returns Unimplemented): InstallDependencies (dependencies come from `npm ci`), code
// generation, templates, packing, linking. Debugger attach is not supported.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

// version is reported through GetPluginInfo; set with -ldflags "-X main.version=…".
var version = "3.248.0"

// exitCodeAlreadyReported is the exit code @pulumi/pulumi/cmd/run uses after it has already reported the
// error to the engine (nodeJSProcessExitedAfterLoggingUserActionableMessage).
const exitCodeAlreadyReported = 32

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	engineAddress string
	tracing       string
}

func main() {
	tracing := flag.String("tracing", "", "emit tracing to a Zipkin-compatible tracing endpoint")
	// Flags upstream hosts accept; accepted and ignored so an engine passing them does not break us.
	_ = flag.String("root", "", "ignored")
	_ = flag.Bool("typescript", true, "ignored (use the `typescript` runtime option)")
	_ = flag.String("tsconfig", "", "ignored (use the `tsconfig` runtime option)")
	_ = flag.String("nodeargs", "", "ignored (use the `nodeargs` runtime option)")
	_ = flag.String("packagemanager", "", "ignored")
	flag.Parse()

	h := &host{tracing: *tracing}
	if args := flag.Args(); len(args) > 0 {
		h.engineAddress = args[0]
	}

	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, h)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: could not start gRPC server: %v\n", err)
		os.Exit(1)
	}
	// The engine reads the port from the first line of our stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: %v\n", err)
		os.Exit(1)
	}
}

// ---------------------------------------------------------------------------------------------------------
// Plumbing helpers.

// runtimeOptions reads the `runtime.options` map of Pulumi.yaml / PulumiPolicy.yaml.
func runtimeOptions(info *pulumirpc.ProgramInfo) map[string]any {
	if info == nil || info.GetOptions() == nil {
		return map[string]any{}
	}
	return info.GetOptions().AsMap()
}

func optString(opts map[string]any, key string) string {
	if v, ok := opts[key]; ok && v != nil {
		return fmt.Sprint(v)
	}
	return ""
}

func optBool(opts map[string]any, key string, def bool) bool {
	v, ok := opts[key]
	if !ok || v == nil {
		return def
	}
	switch b := v.(type) {
	case bool:
		return b
	case string:
		if parsed, err := strconv.ParseBool(b); err == nil {
			return parsed
		}
	}
	return def
}

func nodeBinary() (string, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return "", errors.New("could not find `node` on the PATH")
	}
	return node, nil
}

// resolveModule asks Node which file `module` resolves to from directory dir (node module resolution walks
// up the directory tree, so workspaces with a hoisted node_modules work).
func resolveModule(node, dir, module string) (string, error) {
	cmd := exec.Command(node, "-e", fmt.Sprintf("process.stdout.write(require.resolve(%q))", module))
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("could not resolve %s from %s (are node_modules installed? run `npm ci`): %v\n%s",
			module, dir, err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

func nodeArgs(opts map[string]any) []string {
	if s := optString(opts, "nodeargs"); s != "" {
		return strings.Fields(s)
	}
	return nil
}

func typescriptEnv(opts map[string]any) []string {
	env := []string{"PULUMI_NODEJS_TYPESCRIPT=" + strconv.FormatBool(optBool(opts, "typescript", true))}
	if ts := optString(opts, "tsconfig"); ts != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+ts)
	}
	return env
}

func exitCode(err error) (int, bool) {
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return exitErr.ExitCode(), true
	}
	return 0, false
}

// ---------------------------------------------------------------------------------------------------------
// LanguageRuntime service.

func (h *host) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	if req.GetAttachDebugger() {
		return nil, status.Error(codes.Unimplemented, "this language host does not support attaching a debugger")
	}
	info := req.GetInfo()
	opts := runtimeOptions(info)

	programDir := req.GetPwd()
	entryPoint := req.GetProgram()
	if info != nil {
		programDir = info.GetProgramDirectory()
		entryPoint = info.GetEntryPoint()
	}
	if entryPoint == "" {
		entryPoint = "."
	}

	node, err := nodeBinary()
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	runPath, err := resolveModule(node, programDir, "@pulumi/pulumi/cmd/run")
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	args := append(nodeArgs(opts), runPath)
	args = append(args, "--monitor", req.GetMonitorAddress())
	if h.engineAddress != "" {
		args = append(args, "--engine", h.engineAddress)
	}
	if req.GetOrganization() != "" {
		args = append(args, "--organization", req.GetOrganization())
	}
	args = append(args, "--project", req.GetProject(), "--stack", req.GetStack())
	if info != nil && info.GetRootDirectory() != "" {
		args = append(args, "--root-directory", info.GetRootDirectory())
	}
	args = append(args, "--pwd", req.GetPwd())
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	if req.GetQueryMode() {
		args = append(args, "--query-mode")
	}
	if req.GetParallel() > 1 {
		args = append(args, "--parallel", strconv.Itoa(int(req.GetParallel())))
	}
	if h.tracing != "" {
		args = append(args, "--tracing", h.tracing)
	}
	args = append(args, entryPoint)
	args = append(args, req.GetArgs()...)

	configJSON, err := json.Marshal(req.GetConfig())
	if err != nil {
		return nil, err
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretKeysJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, err
	}

	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = req.GetPwd()
	if cmd.Dir == "" {
		cmd.Dir = programDir
	}
	cmd.Env = append(os.Environ(),
		"PULUMI_CONFIG="+string(configJSON),
		"PULUMI_CONFIG_SECRET_KEYS="+string(secretKeysJSON),
	)
	cmd.Env = append(cmd.Env, typescriptEnv(opts)...)
	if req.GetLoaderTarget() != "" {
		cmd.Env = append(cmd.Env, "PULUMI_LOADER_TARGET="+req.GetLoaderTarget())
	}
	// The engine shows our stdout/stderr to the user, so the program's output goes straight there.
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr

	if err := cmd.Run(); err != nil {
		if code, ok := exitCode(err); ok {
			if code == exitCodeAlreadyReported {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", code)}, nil
		}
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// streamWriter forwards a child's output to the engine as RunPluginResponse messages.
type streamWriter struct {
	mu     *sync.Mutex
	server grpc.ServerStreamingServer[pulumirpc.RunPluginResponse]
	stderr bool
}

func (w streamWriter) Write(p []byte) (int, error) {
	data := append([]byte(nil), p...)
	resp := &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stdout{Stdout: data}}
	if w.stderr {
		resp = &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: data}}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.server.Send(resp); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (h *host) RunPlugin(
	req *pulumirpc.RunPluginRequest, server grpc.ServerStreamingServer[pulumirpc.RunPluginResponse],
) error {
	if req.GetAttachDebugger() {
		return status.Error(codes.Unimplemented, "this language host does not support attaching a debugger")
	}
	info := req.GetInfo()
	opts := runtimeOptions(info)
	programDir := req.GetProgram()
	if info != nil && info.GetProgramDirectory() != "" {
		programDir = info.GetProgramDirectory()
	}
	if programDir == "" {
		return status.Error(codes.InvalidArgument, "RunPlugin: no program directory given")
	}

	node, err := nodeBinary()
	if err != nil {
		return err
	}

	var args []string
	switch req.GetKind() {
	case "analyzer":
		// @pulumi/pulumi/cmd/run-policy-pack: RUN <engine-address> <program>
		runPath, err := resolveModule(node, programDir, "@pulumi/pulumi/cmd/run-policy-pack")
		if err != nil {
			return err
		}
		args = append(nodeArgs(opts), runPath)
		args = append(args, req.GetArgs()...)
		args = append(args, programDir)
	default:
		// @pulumi/pulumi/cmd/run-plugin: RUN <program> <args…>
		runPath, err := resolveModule(node, programDir, "@pulumi/pulumi/cmd/run-plugin")
		if err != nil {
			return err
		}
		args = append(nodeArgs(opts), runPath, programDir)
		args = append(args, req.GetArgs()...)
	}

	cmd := exec.CommandContext(server.Context(), node, args...)
	cmd.Dir = programDir
	cmd.Env = append(os.Environ(), req.GetEnv()...)
	cmd.Env = append(cmd.Env, typescriptEnv(opts)...)
	var mu sync.Mutex
	cmd.Stdout = streamWriter{mu: &mu, server: server}
	cmd.Stderr = streamWriter{mu: &mu, server: server, stderr: true}

	code := 0
	if err := cmd.Run(); err != nil {
		c, ok := exitCode(err)
		if !ok {
			return err
		}
		code = c
	}
	mu.Lock()
	defer mu.Unlock()
	return server.Send(&pulumirpc.RunPluginResponse{
		Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(code)},
	})
}

// ---------------------------------------------------------------------------------------------------------
// Plugin and dependency discovery.

type packageJSON struct {
	Name            string            `json:"name"`
	Version         string            `json:"version"`
	Dependencies    map[string]string `json:"dependencies"`
	DevDependencies map[string]string `json:"devDependencies"`
	Pulumi          *struct {
		Resource bool   `json:"resource"`
		Name     string `json:"name"`
		Version  string `json:"version"`
		Server   string `json:"server"`
	} `json:"pulumi"`
}

func readPackageJSON(path string) (*packageJSON, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var p packageJSON
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &p, nil
}

// nodeModulesDirs returns every node_modules directory from dir up to the filesystem root, nearest first.
func nodeModulesDirs(dir string) []string {
	var dirs []string
	for d := dir; ; d = filepath.Dir(d) {
		nm := filepath.Join(d, "node_modules")
		if st, err := os.Stat(nm); err == nil && st.IsDir() {
			dirs = append(dirs, nm)
		}
		if filepath.Dir(d) == d {
			return dirs
		}
	}
}

// installedPackages lists the package.json files of the packages directly inside a node_modules directory
// (including @scope/name packages).
func installedPackages(nodeModules string) []string {
	var out []string
	entries, err := os.ReadDir(nodeModules)
	if err != nil {
		return nil
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		if strings.HasPrefix(name, "@") {
			scoped, err := os.ReadDir(filepath.Join(nodeModules, name))
			if err != nil {
				continue
			}
			for _, s := range scoped {
				out = append(out, filepath.Join(nodeModules, name, s.Name(), "package.json"))
			}
			continue
		}
		out = append(out, filepath.Join(nodeModules, name, "package.json"))
	}
	return out
}

func (h *host) requiredPackages(programDir string) ([]*pulumirpc.PackageDependency, error) {
	seen := map[string]bool{}
	var deps []*pulumirpc.PackageDependency
	for _, nm := range nodeModulesDirs(programDir) {
		for _, pj := range installedPackages(nm) {
			p, err := readPackageJSON(pj)
			if err != nil || p.Pulumi == nil || !p.Pulumi.Resource {
				continue
			}
			name := p.Pulumi.Name
			if name == "" {
				name = strings.TrimPrefix(p.Name, "@pulumi/")
			}
			v := p.Pulumi.Version
			if v == "" {
				v = p.Version
			}
			if !strings.HasPrefix(v, "v") {
				v = "v" + v
			}
			key := name + "@" + v
			if seen[key] {
				continue
			}
			seen[key] = true
			deps = append(deps, &pulumirpc.PackageDependency{
				Name: name, Kind: "resource", Version: v, Server: p.Pulumi.Server,
			})
		}
	}
	sort.Slice(deps, func(i, j int) bool { return deps[i].Name < deps[j].Name })
	return deps, nil
}

func (h *host) GetRequiredPackages(
	_ context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	deps, err := h.requiredPackages(req.GetInfo().GetProgramDirectory())
	if err != nil {
		return nil, err
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: deps}, nil
}

func (h *host) GetRequiredPlugins(
	_ context.Context, req *pulumirpc.GetRequiredPluginsRequest, //nolint:staticcheck
) (*pulumirpc.GetRequiredPluginsResponse, error) { //nolint:staticcheck
	dir := req.GetInfo().GetProgramDirectory()
	if dir == "" {
		dir = req.GetPwd() //nolint:staticcheck
	}
	deps, err := h.requiredPackages(dir)
	if err != nil {
		return nil, err
	}
	plugins := make([]*pulumirpc.PluginDependency, 0, len(deps))
	for _, d := range deps {
		plugins = append(plugins, &pulumirpc.PluginDependency{
			Name: d.Name, Kind: d.Kind, Version: d.Version, Server: d.Server,
		})
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: plugins}, nil //nolint:staticcheck
}

func (h *host) GetProgramDependencies(
	_ context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	dir := req.GetInfo().GetProgramDirectory()
	p, err := readPackageJSON(filepath.Join(dir, "package.json"))
	if err != nil {
		return nil, err
	}
	names := map[string]bool{}
	for n := range p.Dependencies {
		names[n] = true
	}
	if req.GetTransitiveDependencies() {
		for n := range p.DevDependencies {
			names[n] = true
		}
	}
	var deps []*pulumirpc.DependencyInfo
	nms := nodeModulesDirs(dir)
	for n := range names {
		v := "(not installed)"
		for _, nm := range nms {
			if dp, err := readPackageJSON(filepath.Join(nm, n, "package.json")); err == nil {
				v = dp.Version
				break
			}
		}
		deps = append(deps, &pulumirpc.DependencyInfo{Name: n, Version: v})
	}
	sort.Slice(deps, func(i, j int) bool { return deps[i].Name < deps[j].Name })
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: deps}, nil
}

func (h *host) About(context.Context, *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	node, err := nodeBinary()
	if err != nil {
		return nil, err
	}
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		return nil, err
	}
	return &pulumirpc.AboutResponse{
		Executable: node,
		Version:    strings.TrimPrefix(strings.TrimSpace(string(out)), "v"),
		Metadata:   map[string]string{"host": "microservices-ecosystem/engine minimal Node.js language host"},
	}, nil
}

func (h *host) RuntimeOptionsPrompts(
	context.Context, *pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

var _ io.Writer = streamWriter{}
