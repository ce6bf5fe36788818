// Package config loads doorsync's one typed configuration from the
// environment. It is the only place that reads environment variables; every
// other package receives the values it needs.
package config

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/contrib/envconfig"

	"doorsync/connectors/nexudus"
	"doorsync/connectors/officernd"
	"doorsync/internal/egress"
	"doorsync/internal/payloadcodec"
	"doorsync/saltoks"
)

// Config is every setting doorsync reads at start-up.
type Config struct {
	// HTTPAddr is where the API listens, e.g. ":8080".
	HTTPAddr string
	// DatabaseURL is the PostgreSQL connection string.
	DatabaseURL string
	// Temporal says how to reach Temporal.
	Temporal Temporal
	// LogLevel is the minimum level logged.
	LogLevel slog.Level
	// LogFormat is "json" or "text".
	LogFormat string
	// ShutdownTimeout bounds a graceful shutdown.
	ShutdownTimeout time.Duration
	// AdminToken may do everything through the API. The api command
	// refuses to start without it; dev generates one when it is unset.
	AdminToken string
	// SecretKey seals secrets at rest (base64, 32 bytes); PreviousSecretKeys
	// still open values sealed before a rotation.
	SecretKey          string
	PreviousSecretKeys []string
	// GuestKey (base64, 32 bytes) hashes guests' e-mails into the names
	// Temporal knows them by; empty derives it from SecretKey. It must stay
	// the same for as long as guests' workflows should keep their ids.
	GuestKey string
	// DataDir holds what the one-machine dev mode generates (e.g. its
	// secret key).
	DataDir string
	// PublicURL is where browsers reach the API (for the Salto KS
	// authorization-code callback).
	PublicURL string
	// SaltoOAuth is the partner client used for the authorization-code flow;
	// empty when the deployment has none.
	SaltoOAuth SaltoOAuth
	// SaltoEgress is the allow-list of the Salto KS hosts connections may
	// use (DOORSYNC_SALTO_ALLOWED_HOSTS; default saltoks.PublicHosts).
	SaltoEgress *egress.Policy
	// PlatformEgress is the allow-list of the coworking platforms' hosts
	// (OfficeRnD, Nexudus) connections may use
	// (DOORSYNC_PLATFORM_ALLOWED_HOSTS; default DefaultPlatformHosts).
	PlatformEgress *egress.Policy
	// WebhookEgress is where webhooks may deliver: any public host over
	// https, and the internal addresses or plain-http hosts
	// DOORSYNC_WEBHOOK_ALLOWED_HOSTS lists (egress.ParseOpen).
	WebhookEgress *egress.Policy
	// ImportMaxBytes is the largest NDJSON import body the API reads.
	ImportMaxBytes int64
	// MetricsAddr, when set, is where /metrics is served instead of on
	// HTTPAddr (e.g. "127.0.0.1:9090").
	MetricsAddr string
	// WorkerAddr is where `doorsync worker` serves /metrics, /healthz and
	// /readyz (default ":9091"; port 0 picks a free one).
	WorkerAddr string
	// SaltoRateLimit is each org's Salto KS request rate (per second, per
	// process; 0: no cap) and SaltoBurst how many requests may go at once,
	// unless the org's salto_rate_limit setting says otherwise.
	SaltoRateLimit float64
	SaltoBurst     int
	// PayloadKey, when set (DOORSYNC_PAYLOAD_KEY, 32 bytes), encrypts every
	// Temporal payload doorsync writes; PreviousPayloadKeys still decrypt
	// payloads sealed before a rotation. Empty: payloads are plain JSON.
	PayloadKey          []byte
	PreviousPayloadKeys [][]byte
	// CodecCORSOrigin is the Temporal UI's origin allowed to call the
	// codec endpoint from the browser; empty sends no CORS headers.
	CodecCORSOrigin string
}

// SaltoAllowedHostsVar names the Salto KS allow-list.
const SaltoAllowedHostsVar = "DOORSYNC_SALTO_ALLOWED_HOSTS"

// PlatformAllowedHostsVar names the coworking platforms' allow-list.
const PlatformAllowedHostsVar = "DOORSYNC_PLATFORM_ALLOWED_HOSTS"

// DefaultPlatformHosts are the platforms' public hosts: OfficeRnD's API
// and identity server, and Nexudus'.
var DefaultPlatformHosts = slices.Concat(officernd.DefaultHosts, nexudus.DefaultHosts)

// WebhookAllowedHostsVar names the webhooks' list of internal or
// plain-http hosts.
const WebhookAllowedHostsVar = "DOORSYNC_WEBHOOK_ALLOWED_HOSTS"

// SaltoOAuth is a Salto KS partner client for the authorization-code flow.
type SaltoOAuth struct {
	ClientID     string
	ClientSecret string
	IdentityURL  string
	APIURL       string
}

// Temporal holds the Temporal client settings.
type Temporal struct {
	Address   string
	Namespace string
	TaskQueue string
	// WorkerDeployment, when set, makes every worker this build's
	// version of the Temporal worker deployment of that name, and the
	// relay start workflows for versioned workers (docs/architecture.md,
	// D42). Api and workers must agree on it.
	WorkerDeployment string
	// Client is the standard Temporal client profile
	// (go.temporal.io/sdk/contrib/envconfig): the profile of
	// TEMPORAL_CONFIG_FILE, when set, under the TEMPORAL_* variables (API
	// key, TLS, authority). Its address and namespace are Address and
	// Namespace.
	Client envconfig.ClientConfigProfile
}

// ClientOptions are the options to dial Temporal with: Address and
// Namespace, with the TLS, API key, gRPC metadata and authority of Client.
func (t Temporal) ClientOptions() (client.Options, error) {
	prof := t.Client
	prof.Address, prof.Namespace = t.Address, t.Namespace
	return prof.ToClientOptions(envconfig.ToClientOptionsRequest{})
}

// TemporalConfigFileVar names the Temporal client config file (TOML, the
// format `temporal config` writes); TemporalProfileVar the profile used
// from it.
const (
	TemporalConfigFileVar = "TEMPORAL_CONFIG_FILE"
	TemporalProfileVar    = "TEMPORAL_PROFILE"
)

// envLookup gives envconfig the variables through getenv. An empty
// variable counts as unset; TEMPORAL_GRPC_META_* cannot be listed through
// getenv, so gRPC metadata comes from the config file only.
type envLookup struct{ r *reader }

func (e envLookup) Environ() []string { return nil }
func (e envLookup) LookupEnv(k string) (string, bool) {
	if strings.HasPrefix(k, "TEMPORAL_CODEC_") {
		return "", false // a remote codec is for CLIs and the UI, not for doorsync's clients
	}
	v := e.r.str(k, "")
	return v, v != ""
}

// temporal reads the standard Temporal client settings: a config file
// only when TEMPORAL_CONFIG_FILE names one (never the user's default
// file: a service's settings are explicit), then the TEMPORAL_* variables
// over it, then doorsync's defaults for what neither sets.
func (r *reader) temporal() Temporal {
	file := r.str(TemporalConfigFileVar, "")
	prof, err := envconfig.LoadClientConfigProfile(envconfig.LoadClientConfigProfileOptions{
		ConfigFilePath: file,
		DisableFile:    file == "",
		EnvLookup:      envLookup{r},
	})
	if file == "" {
		// Read so that it is documented like the others; it names a
		// profile of the file only.
		r.str(TemporalProfileVar, "")
	}
	r.check(TemporalConfigFileVar, err)
	t := Temporal{
		Address:   cmp.Or(prof.Address, "127.0.0.1:7233"),
		Namespace: cmp.Or(prof.Namespace, "default"),
		TaskQueue: r.str("DOORSYNC_TASK_QUEUE", "doorsync"),
		Client:    prof,

		WorkerDeployment: r.str("DOORSYNC_WORKER_DEPLOYMENT", ""),
	}
	if strings.ContainsAny(t.WorkerDeployment, ".:") {
		r.check("DOORSYNC_WORKER_DEPLOYMENT", errors.New(`may not contain "." or ":"`))
	}
	if err == nil {
		if _, err := t.ClientOptions(); err != nil {
			r.check("TEMPORAL_TLS", err)
		}
	}
	return t
}

// payloadKeys reads DOORSYNC_PAYLOAD_KEY and the earlier keys.
func (r *reader) payloadKeys() (primary []byte, previous [][]byte) {
	if v := r.str("DOORSYNC_PAYLOAD_KEY", ""); v != "" {
		k, err := payloadcodec.ParseKey(v)
		r.check("DOORSYNC_PAYLOAD_KEY", err)
		primary = k
	}
	for _, v := range r.list("DOORSYNC_PAYLOAD_KEYS_PREVIOUS") {
		k, err := payloadcodec.ParseKey(v)
		r.check("DOORSYNC_PAYLOAD_KEYS_PREVIOUS", err)
		previous = append(previous, k)
	}
	if primary == nil && len(previous) > 0 {
		r.check("DOORSYNC_PAYLOAD_KEYS_PREVIOUS", errors.New("needs DOORSYNC_PAYLOAD_KEY"))
	}
	return primary, previous
}

// Load reads the configuration through getenv (os.Getenv in production, a
// map in tests), applies defaults and validates it. The error names every
// variable that is wrong, so a misconfigured process fails at once.
func Load(getenv func(string) string) (Config, error) {
	r := reader{getenv: getenv}
	cfg := Config{
		HTTPAddr:           r.str("DOORSYNC_HTTP_ADDR", ":8080"),
		DatabaseURL:        r.str("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/doorsync?sslmode=disable"),
		Temporal:           r.temporal(),
		LogLevel:           r.level("DOORSYNC_LOG_LEVEL", slog.LevelInfo),
		LogFormat:          r.oneOf("DOORSYNC_LOG_FORMAT", "text", "text", "json"),
		ShutdownTimeout:    r.duration("DOORSYNC_SHUTDOWN_TIMEOUT", 20*time.Second),
		AdminToken:         r.str("DOORSYNC_ADMIN_TOKEN", ""),
		SecretKey:          r.str("DOORSYNC_SECRET_KEY", ""),
		PreviousSecretKeys: r.list("DOORSYNC_SECRET_KEYS_PREVIOUS"),
		GuestKey:           r.str("DOORSYNC_GUEST_KEY", ""),
		DataDir:            r.str("DOORSYNC_DATA_DIR", ".data"),
		PublicURL:          strings.TrimRight(r.str("DOORSYNC_PUBLIC_URL", "http://127.0.0.1:8080"), "/"),
		SaltoOAuth: SaltoOAuth{
			ClientID:     r.str("DOORSYNC_SALTO_CLIENT_ID", ""),
			ClientSecret: r.str("DOORSYNC_SALTO_CLIENT_SECRET", ""),
			IdentityURL:  r.str("DOORSYNC_SALTO_IDENTITY_URL", "https://identity.eu.my-clay.com"),
			APIURL:       r.str("DOORSYNC_SALTO_API_URL", "https://connect.my-clay.com"),
		},
		ImportMaxBytes:  r.bytes("DOORSYNC_IMPORT_MAX_BYTES", 256<<20),
		MetricsAddr:     r.str("DOORSYNC_METRICS_ADDR", ""),
		WorkerAddr:      r.str("DOORSYNC_WORKER_ADDR", ":9091"),
		SaltoRateLimit:  r.float("DOORSYNC_SALTO_RATE_LIMIT", 10, 0, 10000),
		SaltoBurst:      r.int("DOORSYNC_SALTO_RATE_BURST", 20, 1, 10000),
		CodecCORSOrigin: r.str("DOORSYNC_CODEC_CORS_ORIGIN", ""),
	}
	cfg.PayloadKey, cfg.PreviousPayloadKeys = r.payloadKeys()
	if cfg.CodecCORSOrigin != "" {
		r.check("DOORSYNC_CODEC_CORS_ORIGIN", validHTTPURL(cfg.CodecCORSOrigin))
	}
	if cfg.AdminToken != "" && len(cfg.AdminToken) < 16 {
		r.check("DOORSYNC_ADMIN_TOKEN", errors.New("must be at least 16 characters"))
	}
	cfg.SaltoEgress = r.saltoEgress()
	cfg.WebhookEgress = r.webhookEgress()
	cfg.PlatformEgress = r.platformEgress()
	if cfg.SaltoOAuth.ClientID != "" {
		r.check("DOORSYNC_SALTO_IDENTITY_URL", permitted(cfg.SaltoEgress, cfg.SaltoOAuth.IdentityURL))
		r.check("DOORSYNC_SALTO_API_URL", permitted(cfg.SaltoEgress, cfg.SaltoOAuth.APIURL))
	}
	r.check("DOORSYNC_PUBLIC_URL", validHTTPURL(cfg.PublicURL))
	r.check("DOORSYNC_HTTP_ADDR", validHostPort(cfg.HTTPAddr))
	if cfg.MetricsAddr != "" {
		r.check("DOORSYNC_METRICS_ADDR", validHostPort(cfg.MetricsAddr))
	}
	r.check("DOORSYNC_WORKER_ADDR", validHostPort(cfg.WorkerAddr))
	r.check("TEMPORAL_ADDRESS", validHostPort(cfg.Temporal.Address))
	r.check("DATABASE_URL", validPostgresURL(cfg.DatabaseURL))
	if r.err != nil {
		return Config{}, fmt.Errorf("config: %w", r.err)
	}
	return cfg, nil
}

// reader reads variables, remembering the first problem with each.
type reader struct {
	getenv func(string) string
	err    error
}

func (r *reader) str(name, def string) string {
	if v := strings.TrimSpace(r.getenv(name)); v != "" {
		return v
	}
	return def
}

func (r *reader) list(name string) []string {
	var out []string
	for _, v := range strings.Split(r.str(name, ""), ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func (r *reader) duration(name string, def time.Duration) time.Duration {
	v := r.str(name, "")
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err == nil && d <= 0 {
		err = errors.New("must be positive")
	}
	r.check(name, err)
	return d
}

// bytes reads a positive size in bytes.
func (r *reader) bytes(name string, def int64) int64 {
	v := r.str(name, "")
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		r.check(name, fmt.Errorf("%q is not a positive number of bytes", v))
		return def
	}
	return n
}

// float reads a number between lo and hi.
func (r *reader) float(name string, def, lo, hi float64) float64 {
	v := r.str(name, "")
	if v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err == nil && (f < lo || f > hi || math.IsNaN(f)) {
		err = fmt.Errorf("must be from %g to %g", lo, hi)
	}
	r.check(name, err)
	return f
}

// int reads a whole number between lo and hi.
func (r *reader) int(name string, def, lo, hi int) int {
	v := r.str(name, "")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err == nil && (n < lo || n > hi) {
		err = fmt.Errorf("must be from %d to %d", lo, hi)
	}
	r.check(name, err)
	return n
}

func (r *reader) level(name string, def slog.Level) slog.Level {
	v := r.str(name, "")
	if v == "" {
		return def
	}
	var l slog.Level
	r.check(name, l.UnmarshalText([]byte(v)))
	return l
}

func (r *reader) oneOf(name, def string, allowed ...string) string {
	v := r.str(name, def)
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	r.check(name, fmt.Errorf("%q is not one of %s", v, strings.Join(allowed, ", ")))
	return def
}

func (r *reader) check(name string, err error) {
	if err != nil {
		r.err = errors.Join(r.err, fmt.Errorf("%s: %w", name, err))
	}
}

// saltoEgress parses the Salto KS allow-list; an invalid one is reported
// and leaves the defaults.
func (r *reader) saltoEgress() *egress.Policy {
	list := r.list(SaltoAllowedHostsVar)
	if len(list) == 0 {
		list = saltoks.PublicHosts
	}
	p, err := egress.Parse(SaltoAllowedHostsVar, list)
	r.check(SaltoAllowedHostsVar, err)
	return p
}

// platformEgress parses the platforms' allow-list; an invalid one is
// reported and leaves the defaults.
func (r *reader) platformEgress() *egress.Policy {
	list := r.list(PlatformAllowedHostsVar)
	if len(list) == 0 {
		list = DefaultPlatformHosts
	}
	p, err := egress.Parse(PlatformAllowedHostsVar, list)
	r.check(PlatformAllowedHostsVar, err)
	return p
}

// webhookEgress parses the webhooks' list; an invalid one is reported.
func (r *reader) webhookEgress() *egress.Policy {
	p, err := egress.ParseOpen(WebhookAllowedHostsVar, r.list(WebhookAllowedHostsVar))
	r.check(WebhookAllowedHostsVar, err)
	return p
}

// permitted checks a configured URL against the allow-list (no DNS).
func permitted(p *egress.Policy, raw string) error {
	_, err := p.Permits(raw)
	return err
}

func validHostPort(s string) error {
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("%q is not host:port", s)
	}
	if port == "" {
		return fmt.Errorf("%q has no port", s)
	}
	return nil
}

func validHTTPURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("must be an http(s) URL")
	}
	return nil
}

func validPostgresURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
		return errors.New("must be a postgres:// URL with a host")
	}
	return nil
}
