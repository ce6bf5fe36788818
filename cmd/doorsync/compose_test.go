package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"doorsync/internal/testenv"
)

type composeFile struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Build       any               `yaml:"build"`
		Command     []string          `yaml:"command"`
		DependsOn   map[string]any    `yaml:"depends_on"`
		Healthcheck any               `yaml:"healthcheck"`
		Volumes     []string          `yaml:"volumes"`
		Environment map[string]string `yaml:"environment"`
		Ports       []any             `yaml:"ports"`
	} `yaml:"services"`
	Volumes map[string]any `yaml:"volumes"`
}

// TestComposeFileIsConsistent checks what `docker compose config` would,
// as far as it can without Docker: the file parses, every dependency names
// a service, images are pinned, and doorsync services run real subcommands.
func TestComposeFileIsConsistent(t *testing.T) {
	cf := readCompose(t)
	for _, want := range []string{"postgres", "temporal-schema", "temporal", "temporal-namespace", "temporal-ui", "migrate", "worker", "api"} {
		if _, ok := cf.Services[want]; !ok {
			t.Errorf("service %s missing", want)
		}
	}
	for name, svc := range cf.Services {
		for dep := range svc.DependsOn {
			if _, ok := cf.Services[dep]; !ok {
				t.Errorf("%s depends on unknown service %s", name, dep)
			}
		}
		if svc.Build == nil {
			if i := strings.LastIndex(svc.Image, ":"); i < 0 || svc.Image[i+1:] == "latest" {
				t.Errorf("%s: image %q is not pinned", name, svc.Image)
			}
			continue
		}
		if len(svc.Command) == 0 || commands[svc.Command[0]] == nil {
			t.Errorf("%s runs %v, which is not a doorsync command", name, svc.Command)
		}
	}
	if pg := cf.Services["postgres"]; pg.Healthcheck == nil || len(pg.Volumes) == 0 {
		t.Errorf("postgres needs a healthcheck and a volume")
	}
	for name, svc := range cf.Services {
		if strings.HasPrefix(svc.Image, "temporalio/auto-setup:") {
			t.Errorf("%s runs the deprecated %s; use temporalio/server and admin-tools", name, svc.Image)
		}
	}
	for _, name := range []string{"api", "worker", "temporal"} {
		if cf.Services[name].Healthcheck == nil {
			t.Errorf("%s has no healthcheck", name)
		}
	}
	for _, name := range []string{"api", "worker"} {
		for _, v := range []string{"DOORSYNC_ADMIN_TOKEN", "DOORSYNC_SECRET_KEY", "DATABASE_URL", "TEMPORAL_ADDRESS"} {
			if cf.Services[name].Environment[v] == "" {
				t.Errorf("%s does not get %s, which it needs to start", name, v)
			}
		}
	}
}

func readCompose(t *testing.T) composeFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var cf composeFile
	if err := yaml.Unmarshal(b, &cf); err != nil {
		t.Fatalf("docker-compose.yml does not parse: %v", err)
	}
	return cf
}

// TestComposeKeepsTemporalOnLoopback checks that Temporal's frontend and UI,
// which have no authentication of their own here, are published on the
// host's loopback only.
func TestComposeKeepsTemporalOnLoopback(t *testing.T) {
	cf := readCompose(t)
	for _, name := range []string{"temporal", "temporal-ui"} {
		ports := cf.Services[name].Ports
		if len(ports) == 0 {
			t.Errorf("%s publishes no port; the test expects it on 127.0.0.1", name)
		}
		for _, p := range ports {
			if ip := publishedHostIP(p); ip != "127.0.0.1" {
				t.Errorf("%s publishes %v on %q, want 127.0.0.1 only", name, p, ip)
			}
		}
	}
}

// publishedHostIP is the host address a compose port entry binds: the
// short syntax "[ip:]host:container" or the long syntax's host_ip; "" means
// every interface.
func publishedHostIP(p any) string {
	switch v := p.(type) {
	case string:
		parts := strings.Split(v, ":")
		if len(parts) < 3 {
			return ""
		}
		return strings.Trim(strings.Join(parts[:len(parts)-2], ":"), "[]")
	case map[string]any:
		ip, _ := v["host_ip"].(string)
		return ip
	}
	return ""
}
