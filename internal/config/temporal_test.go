package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func load(t *testing.T, env map[string]string) (Config, error) {
	t.Helper()
	return Load(func(k string) string { return env[k] })
}

func TestTemporalDefaultsAreThePlainDevServer(t *testing.T) {
	cfg, err := load(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	opts, err := cfg.Temporal.ClientOptions()
	if err != nil {
		t.Fatal(err)
	}
	if opts.HostPort != "127.0.0.1:7233" || opts.Namespace != "default" || opts.ConnectionOptions.TLS != nil ||
		opts.Credentials != nil || cfg.PayloadKey != nil || cfg.CodecCORSOrigin != "" {
		t.Errorf("options = %+v, payload key %x", opts, cfg.PayloadKey)
	}
}

func TestTemporalAPIKeyTurnsOnTLS(t *testing.T) {
	cfg, err := load(t, map[string]string{
		"TEMPORAL_ADDRESS": "my-ns.a1b2c.tmprl.cloud:7233", "TEMPORAL_NAMESPACE": "my-ns.a1b2c", "TEMPORAL_API_KEY": "secret-key",
	})
	if err != nil {
		t.Fatal(err)
	}
	opts, err := cfg.Temporal.ClientOptions()
	if err != nil {
		t.Fatal(err)
	}
	if opts.HostPort != "my-ns.a1b2c.tmprl.cloud:7233" || opts.Namespace != "my-ns.a1b2c" {
		t.Errorf("host %q namespace %q", opts.HostPort, opts.Namespace)
	}
	if opts.Credentials == nil {
		t.Error("no API key credentials")
	}
	if opts.ConnectionOptions.TLS == nil {
		t.Error("an API key without TLS")
	}

	cfg, _ = load(t, map[string]string{"TEMPORAL_API_KEY": "k", "TEMPORAL_TLS": "false"})
	if opts, _ := cfg.Temporal.ClientOptions(); !opts.ConnectionOptions.TLSDisabled {
		t.Error("TEMPORAL_TLS=false kept TLS on")
	}
}

func TestTemporalMutualTLSFromFiles(t *testing.T) {
	dir := t.TempDir()
	certPEM, keyPEM := selfSigned(t)
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cfg, err := load(t, map[string]string{
		"TEMPORAL_TLS_CLIENT_CERT_PATH":    write("client.pem", certPEM),
		"TEMPORAL_TLS_CLIENT_KEY_PATH":     write("client.key", keyPEM),
		"TEMPORAL_TLS_SERVER_CA_CERT_PATH": write("ca.pem", certPEM),
		"TEMPORAL_TLS_SERVER_NAME":         "temporal.internal",
	})
	if err != nil {
		t.Fatal(err)
	}
	opts, err := cfg.Temporal.ClientOptions()
	if err != nil {
		t.Fatal(err)
	}
	tc := opts.ConnectionOptions.TLS
	if tc == nil || len(tc.Certificates) != 1 || tc.RootCAs == nil || tc.ServerName != "temporal.internal" {
		t.Fatalf("TLS = %+v", tc)
	}

	_, err = load(t, map[string]string{"TEMPORAL_TLS_CLIENT_CERT_PATH": filepath.Join(dir, "missing.pem"),
		"TEMPORAL_TLS_CLIENT_KEY_PATH": filepath.Join(dir, "client.key")})
	if err == nil || !strings.Contains(err.Error(), "TEMPORAL_TLS") {
		t.Errorf("a missing certificate: %v, want an error naming TEMPORAL_TLS", err)
	}
}

func TestTemporalVariablesWinOverTheConfigFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "temporal.toml")
	os.WriteFile(file, []byte(`
[profile.default]
address = "file-default:7233"
namespace = "from-file"

[profile.cloud]
address = "file-cloud:7233"
namespace = "cloud-ns"
api_key = "file-key"
`), 0o600)
	cfg, err := load(t, map[string]string{"TEMPORAL_CONFIG_FILE": file})
	if err != nil || cfg.Temporal.Address != "file-default:7233" || cfg.Temporal.Namespace != "from-file" {
		t.Fatalf("default profile: %+v, %v", cfg.Temporal, err)
	}
	cfg, err = load(t, map[string]string{"TEMPORAL_CONFIG_FILE": file, "TEMPORAL_PROFILE": "cloud", "TEMPORAL_ADDRESS": "env:7233"})
	if err != nil || cfg.Temporal.Address != "env:7233" || cfg.Temporal.Namespace != "cloud-ns" || cfg.Temporal.Client.APIKey != "file-key" {
		t.Fatalf("cloud profile under TEMPORAL_ADDRESS: %+v, %v", cfg.Temporal, err)
	}
	if _, err := load(t, map[string]string{"TEMPORAL_CONFIG_FILE": file, "TEMPORAL_PROFILE": "nope"}); err == nil ||
		!strings.Contains(err.Error(), "TEMPORAL_CONFIG_FILE") {
		t.Errorf("an unknown profile: %v", err)
	}
}

func TestPayloadKeyIsValidatedAtStart(t *testing.T) {
	key := make([]byte, 32)
	rand.Read(key)
	for _, s := range []string{base64.StdEncoding.EncodeToString(key), hex.EncodeToString(key)} {
		cfg, err := load(t, map[string]string{"DOORSYNC_PAYLOAD_KEY": s, "DOORSYNC_CODEC_CORS_ORIGIN": "https://ui.example.com"})
		if err != nil || string(cfg.PayloadKey) != string(key) || cfg.CodecCORSOrigin != "https://ui.example.com" {
			t.Errorf("%q: key %x, %v", s, cfg.PayloadKey, err)
		}
	}
	_, err := load(t, map[string]string{"DOORSYNC_PAYLOAD_KEY": "too-short", "DOORSYNC_PAYLOAD_KEYS_PREVIOUS": "x",
		"DOORSYNC_CODEC_CORS_ORIGIN": "ui.example.com"})
	for _, name := range []string{"DOORSYNC_PAYLOAD_KEY:", "DOORSYNC_PAYLOAD_KEYS_PREVIOUS:", "DOORSYNC_CODEC_CORS_ORIGIN:"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("error %v does not name %s", err, name)
		}
	}
}

// selfSigned is a certificate and its key, PEM-encoded.
func selfSigned(t *testing.T) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "doorsync"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
}
