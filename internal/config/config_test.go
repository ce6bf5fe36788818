package config

import (
	"bufio"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"doorsync/saltoks"
)

func TestLoadDefaults(t *testing.T) {
	cfg, err := Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTPAddr != ":8080" || cfg.Temporal.Address != "127.0.0.1:7233" || cfg.Temporal.TaskQueue != "doorsync" ||
		cfg.LogLevel != slog.LevelInfo || cfg.ShutdownTimeout != 20*time.Second || cfg.ImportMaxBytes != 256<<20 ||
		cfg.SaltoRateLimit != 10 || cfg.SaltoBurst != 20 {
		t.Fatalf("defaults = %+v", cfg)
	}
}

func TestSaltoRateLimitIsRead(t *testing.T) {
	env := map[string]string{"DOORSYNC_SALTO_RATE_LIMIT": "2.5", "DOORSYNC_SALTO_RATE_BURST": "4"}
	cfg, err := Load(func(k string) string { return env[k] })
	if err != nil || cfg.SaltoRateLimit != 2.5 || cfg.SaltoBurst != 4 {
		t.Fatalf("rate %v burst %d (%v), want 2.5 and 4", cfg.SaltoRateLimit, cfg.SaltoBurst, err)
	}
}

func TestLoadRejectsBadValuesNamingEachVariable(t *testing.T) {
	env := map[string]string{
		"DOORSYNC_HTTP_ADDR":        "8080",
		"DATABASE_URL":              "mysql://x",
		"DOORSYNC_LOG_LEVEL":        "loud",
		"DOORSYNC_LOG_FORMAT":       "xml",
		"DOORSYNC_SHUTDOWN_TIMEOUT": "-1s",
		"DOORSYNC_IMPORT_MAX_BYTES": "256MiB",
		"DOORSYNC_METRICS_ADDR":     "9090",
		"DOORSYNC_WORKER_ADDR":      "9091",
		"DOORSYNC_SALTO_RATE_LIMIT": "-3",
		"DOORSYNC_SALTO_RATE_BURST": "0",
		// Temporal's version ids are deployment:build (and once were
		// deployment.build).
		"DOORSYNC_WORKER_DEPLOYMENT": "doorsync:v2",
	}
	_, err := Load(func(k string) string { return env[k] })
	if err == nil {
		t.Fatal("Load accepted bad values")
	}
	for name := range env {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error does not name %s: %v", name, err)
		}
	}
}

// TestEveryVariableIsDocumented keeps .env.example and Load in step: each
// variable Load reads is listed there, and nothing else is.
func TestEveryVariableIsDocumented(t *testing.T) {
	read := map[string]bool{}
	Load(func(k string) string { read[k] = true; return "" })
	documented := envExampleNames(t)
	for name := range read {
		if !documented[name] {
			t.Errorf("%s is read but not listed in .env.example", name)
		}
	}
	for name := range documented {
		if !read[name] {
			t.Errorf("%s is listed in .env.example but never read", name)
		}
	}
}

func envExampleNames(t *testing.T) map[string]bool {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", ".env.example"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	names := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, _, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf(".env.example: bad line %q", line)
		}
		names[name] = true
	}
	return names
}

func TestSaltoAllowList(t *testing.T) {
	cfg, err := Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.SaltoEgress.Permits("https://connect.my-clay.com"); err != nil {
		t.Errorf("the default list refuses Salto KS: %v", err)
	}
	if _, err := cfg.SaltoEgress.Permits("http://127.0.0.1:8090"); err == nil {
		t.Error("the default list allows a loopback fake")
	}

	env := map[string]string{SaltoAllowedHostsVar: "connect.my-clay.com, identity.eu.my-clay.com ,http://127.0.0.1:8090"}
	cfg, err = Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.SaltoEgress.Permits("http://127.0.0.1:8090"); err != nil {
		t.Errorf("an allow-listed fake is refused: %v", err)
	}

	env = map[string]string{SaltoAllowedHostsVar: "ftp://x", "DOORSYNC_SALTO_CLIENT_ID": "partner",
		"DOORSYNC_SALTO_IDENTITY_URL": "https://idp.example", "DOORSYNC_SALTO_API_URL": "http://connect.my-clay.com"}
	_, err = Load(func(k string) string { return env[k] })
	for _, name := range []string{SaltoAllowedHostsVar, "DOORSYNC_SALTO_IDENTITY_URL", "DOORSYNC_SALTO_API_URL"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("error does not name %s: %v", name, err)
		}
	}

	// Without a partner client its URLs are not used, so a narrower list
	// does not have to hold them.
	env = map[string]string{SaltoAllowedHostsVar: "http://127.0.0.1:8090"}
	if _, err := Load(func(k string) string { return env[k] }); err != nil {
		t.Errorf("a list without the unused partner hosts: %v", err)
	}
}

func TestEnvExampleShowsTheDefaultSaltoHosts(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", ".env.example"))
	if err != nil {
		t.Fatal(err)
	}
	want := SaltoAllowedHostsVar + "=" + strings.Join(saltoks.PublicHosts, ",") + "\n"
	if !strings.Contains(string(b), want) {
		t.Errorf(".env.example does not show the default: %s", want)
	}
}

// TestWebhookAllowList: webhooks may reach any public host over https;
// DOORSYNC_WEBHOOK_ALLOWED_HOSTS adds internal addresses and plain http,
// and a bad entry stops the process naming the variable. Checked without
// DNS or dialing.
func TestWebhookAllowList(t *testing.T) {
	cfg, err := Load(func(k string) string {
		return map[string]string{WebhookAllowedHostsVar: "http://127.0.0.1:9999"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	for raw, ok := range map[string]bool{
		"https://hooks.example.com/doorsync": true,
		"http://hooks.example.com/doorsync":  false,
		"http://127.0.0.1:9999/hook":         true,
		"http://127.0.0.1:9998/hook":         false,
	} {
		if _, err := cfg.WebhookEgress.Permits(raw); (err == nil) != ok {
			t.Errorf("Permits(%s) = %v, want ok=%v", raw, err, ok)
		}
	}
	_, err = Load(func(k string) string { return map[string]string{WebhookAllowedHostsVar: "ftp://x"}[k] })
	if err == nil || !strings.Contains(err.Error(), WebhookAllowedHostsVar) {
		t.Errorf("a bad entry = %v, want an error naming %s", err, WebhookAllowedHostsVar)
	}
}

// TestPlatformAllowList: the platforms' public hosts by default, https
// only; the variable replaces them (a loopback fake, say), and a bad
// entry stops the process naming it. Checked without DNS or dialing.
func TestPlatformAllowList(t *testing.T) {
	cfg, err := Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"https://app.officernd.com", "https://identity.officernd.com", "https://spaces.nexudus.com"} {
		if _, err := cfg.PlatformEgress.Permits(u); err != nil {
			t.Errorf("the default list refuses %s: %v", u, err)
		}
	}
	for _, u := range []string{"http://app.officernd.com", "http://127.0.0.1:8091", "https://connect.my-clay.com"} {
		if _, err := cfg.PlatformEgress.Permits(u); err == nil {
			t.Errorf("the default list allows %s", u)
		}
	}
	env := map[string]string{PlatformAllowedHostsVar: "http://127.0.0.1:8091"}
	if cfg, err = Load(func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.PlatformEgress.Permits("http://127.0.0.1:8091"); err != nil {
		t.Errorf("an allow-listed fake is refused: %v", err)
	}
	env = map[string]string{PlatformAllowedHostsVar: "ftp://x"}
	if _, err := Load(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), PlatformAllowedHostsVar) {
		t.Errorf("error does not name %s: %v", PlatformAllowedHostsVar, err)
	}
}

func TestEnvExampleShowsTheDefaultPlatformHosts(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", ".env.example"))
	if err != nil {
		t.Fatal(err)
	}
	want := PlatformAllowedHostsVar + "=" + strings.Join(DefaultPlatformHosts, ",") + "\n"
	if !strings.Contains(string(b), want) {
		t.Errorf(".env.example does not show the default: %s", want)
	}
}
