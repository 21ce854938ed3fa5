// Command embedgen writes schema-embed.json and terraform-mapping-embed.json for the provider's main
// package, as upstream's cmd/pulumi-resource-kubernetes/generate.go does: the schema shipped in the
// provider module with its version set, and the Terraform mapping, both re-serialised compactly.
//
// Usage: go run ./embedgen -version 4.25.0 -out .
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

const providerModule = "github.com/pulumi/pulumi-kubernetes/provider/v4"

func main() {
	version := flag.String("version", "", "provider version to stamp into the schema (e.g. 4.25.0)")
	out := flag.String("out", ".", "directory to write the two embed files into")
	flag.Parse()
	if *version == "" || strings.HasPrefix(*version, "v") {
		fail("-version is required, without a leading v (e.g. -version 4.25.0)")
	}
	dir, err := moduleDir()
	if err != nil {
		fail("locating %s: %v", providerModule, err)
	}
	src := filepath.Join(dir, "cmd", "pulumi-resource-kubernetes")

	var spec schema.PackageSpec
	readJSON(filepath.Join(src, "schema.json"), &spec)
	spec.Version = *version
	writeJSON(filepath.Join(*out, "schema-embed.json"), spec)

	var mapping interface{}
	readJSON(filepath.Join(src, "terraform-mapping.json"), &mapping)
	writeJSON(filepath.Join(*out, "terraform-mapping-embed.json"), mapping)
}

// moduleDir asks the go command where the provider module (at the version go.mod pins) lives.
func moduleDir() (string, error) {
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", providerModule)
	cmd.Stderr = os.Stderr
	b, err := cmd.Output()
	if err != nil {
		return "", err
	}
	dir := strings.TrimSpace(string(b))
	if dir == "" {
		return "", fmt.Errorf("not downloaded (run go mod download)")
	}
	return dir, nil
}

func readJSON(path string, v interface{}) {
	b, err := os.ReadFile(path)
	if err != nil {
		fail("%v", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		fail("%s: %v", path, err)
	}
}

func writeJSON(path string, v interface{}) {
	b, err := json.Marshal(v)
	if err != nil {
		fail("%s: %v", path, err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		fail("%v", err)
	}
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "embedgen: "+format+"\n", args...)
	os.Exit(1)
}
