package api

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/converter"

	"doorsync/connectors"
	"doorsync/contract"
	"doorsync/internal/console"
	"doorsync/internal/entity"
	"doorsync/internal/health"
	"doorsync/internal/platformconn"
	"doorsync/internal/saltoconn"
	"doorsync/internal/webhook"
	"doorsync/internal/write"
	"doorsync/store"
)

// Deps are what the API needs from the rest of doorsync.
type Deps struct {
	Logger *slog.Logger
	Store  *store.Store
	// AdminToken may do everything; it is required.
	AdminToken string
	// Readiness names the dependencies /readyz checks: one that fails
	// makes it answer 503.
	Readiness map[string]Check
	// Temporal, when set, checks Temporal: /readyz names its state
	// ("temporal") without ever answering 503 for it (the outbox keeps
	// accepting writes), and /metrics serves it as doorsync_temporal_up.
	Temporal Check
	// Salto links orgs to Salto KS.
	Salto *saltoconn.Manager
	// PublicURL is where browsers reach the API (the OAuth callback).
	PublicURL string
	// Outbox sends the pokes a write queued, right after its commit; what it
	// cannot send, the relay loop sends later.
	Outbox Flusher
	// Now is the clock (explain); nil means time.Now.
	Now func() time.Time
	// Reconciler starts reconciliation runs and hold approvals.
	Reconciler Reconciler
	// OrgDeleter starts org deletions; nil answers DELETE /v1/orgs/{org}
	// with 503.
	OrgDeleter OrgDeleter
	// OnOrgSaved runs after an org is created or changed (e.g. to keep its
	// reconcile schedule in step); nil does nothing.
	OnOrgSaved func(context.Context, store.Org) error
	// ImportMaxBytes is the largest NDJSON import body; 0 means
	// DefaultImportMaxBytes.
	ImportMaxBytes int64
	// Webhooks keeps the orgs' webhooks (URLs checked, secrets sealed);
	// nil answers PUT …/webhooks/{id} with 503. Their sender runs beside
	// the API (cmd/doorsync).
	Webhooks *webhook.Hooks
	// PayloadCodec, when set (DOORSYNC_PAYLOAD_KEY), is served to
	// operators at /v1/codec for the Temporal UI and CLI; nil answers 404
	// there.
	PayloadCodec converter.PayloadCodec
	// CodecCORSOrigin is the Temporal UI's origin allowed to call /v1/codec
	// from the browser; empty sends no CORS headers.
	CodecCORSOrigin string
	// Platforms links orgs to their coworking platform (OfficeRnD,
	// Nexudus); nil answers …/platform and the platform webhooks with 503.
	Platforms *platformconn.Conns
	// PlatformSync starts an org's platform sync when it connects (or its
	// platform_sync_interval changes) and stops it when it disconnects;
	// nil starts and stops nothing.
	PlatformSync PlatformSyncer
	// SeparateMetrics leaves /metrics off the API's routes: it is served
	// only by the handler NewHandlers returns for a listener of its own
	// (DOORSYNC_METRICS_ADDR).
	SeparateMetrics bool
}

// Reconciler starts a ReconcileWorkflow; with wait it returns when the run
// has finished (dry runs).
type Reconciler interface {
	Reconcile(ctx context.Context, in contract.ReconcileInput, wait bool) (contract.ReconcileOrgResult, error)
}

// RunChecker says whether a run's workflow still runs (a Reconciler that
// knows implements it), so that a run recorded as running whose workflow
// never started (or was terminated) does not refuse every manual run after
// it.
type RunChecker interface {
	RunActive(ctx context.Context, orgID, runID, trigger string) (bool, error)
}

// Flusher sends queued pokes now.
type Flusher interface {
	Flush(ctx context.Context, ids []int64) error
}

type handlers struct {
	log        *slog.Logger
	store      *store.Store
	adminToken string
	readiness  map[string]Check
	temporal   *health.Probe
	onOrgSaved func(context.Context, store.Org) error
	salto      *saltoconn.Manager
	publicURL  string
	outbox     Flusher
	now        func() time.Time
	reconciler Reconciler
	orgDeleter OrgDeleter
	// write owns every write (package write); store is read-only here
	// but for the API's own records (keys, holds, connections).
	write *write.Writer
	// webhooks creates and changes webhooks; nil when not configured.
	webhooks *webhook.Hooks
	// codec is the payload codec /v1/codec serves; nil when not configured.
	codec converter.PayloadCodec
	// platforms and platformSync: see Deps.
	platforms    *platformconn.Conns
	platformSync PlatformSyncer
	// hookDeliveries counts platform webhook deliveries by platform and
	// result.
	hookDeliveries *prometheus.CounterVec

	importMaxBytes int64
}

// NewHandler builds the API's one route table.
func NewHandler(d Deps) http.Handler {
	h, _ := NewHandlers(d)
	return h
}

// NewHandlers builds the API's one route table, and a handler serving
// only GET /metrics (the API's metrics) for a listener of its own.
func NewHandlers(d Deps) (app, metrics http.Handler) {
	h := &handlers{log: d.Logger, store: d.Store, adminToken: d.AdminToken, readiness: d.Readiness, onOrgSaved: d.OnOrgSaved,
		salto: d.Salto, publicURL: d.PublicURL, outbox: d.Outbox, now: d.Now, reconciler: d.Reconciler, orgDeleter: d.OrgDeleter,
		webhooks: d.Webhooks, codec: d.PayloadCodec, platforms: d.Platforms, platformSync: d.PlatformSync}
	if h.now == nil {
		h.now = time.Now
	}
	if d.Temporal != nil {
		h.temporal = health.NewProbe(d.Temporal)
	}
	h.write = &write.Writer{Store: d.Store, Now: h.now}
	h.importMaxBytes = cmp.Or(d.ImportMaxBytes, DefaultImportMaxBytes)
	r := chi.NewRouter()
	m := newMetrics(h)
	h.hookDeliveries = m.hookDeliveries
	r.Use(requestID, h.accessLog, m.observe, h.recoverPanics, codecCORS(d.CodecCORSOrigin))
	r.NotFound(h.handle(func(http.ResponseWriter, *http.Request) error { return errNotFound }))
	r.MethodNotAllowed(h.handle(func(http.ResponseWriter, *http.Request) error {
		return httpError(http.StatusMethodNotAllowed, "method not allowed")
	}))

	r.Get("/healthz", handleHealthz)
	r.Get("/readyz", h.readyz())
	if !d.SeparateMetrics {
		r.Handle("/metrics", m.handler())
	}
	r.Get("/openapi.yaml", handleOpenAPI)
	// The operator console: pages that call these routes in process as
	// the signed-in key (console.go).
	r.Mount("/console", console.New(console.Options{Store: d.Store, Logger: d.Logger, PublicURL: d.PublicURL,
		Now: h.now, Backend: consoleBackend{h: h, routes: r}}))

	r.Get("/v1/salto/callback", h.handle(h.saltoCallback))
	// A platform signs its webhooks with the connection's secret; it has
	// no API key.
	for _, p := range []connectors.Platform{connectors.OfficeRnD, connectors.Nexudus} {
		r.Post("/v1/hooks/"+string(p)+"/{org}", h.handle(h.platformHook(p)))
	}
	r.With(h.authenticate, h.requireRole(roleAdmin)).Get("/v1/orgs", h.handle(h.listOrgs))
	// The codec decrypts every org's payloads: the admin only, as no org's
	// key may read another org's data.
	r.Route(codecPath, func(r chi.Router) {
		r.Use(h.codecEnabled, h.authenticate, h.requireRole(roleAdmin))
		codec := codecHandler(d.PayloadCodec)
		r.Method("POST", "/encode", codec)
		r.Method("POST", "/decode", codec)
	})
	r.Route("/v1/orgs/{org}", func(r chi.Router) {
		r.Use(h.validatePathIDs, h.authenticate, h.scopeToOrg)
		r.With(h.requireRole(roleAdmin)).Delete("/", h.handle(h.deleteOrg))
		// The ids below the mount are known only once the route matched, so
		// this group checks them again there. An org being deleted takes no
		// writes.
		r.Group(func(r chi.Router) {
			r.Use(h.validatePathIDs, h.refuseWhileDeleting)
			for _, rt := range h.orgRoutes() {
				r.With(h.requireRole(rt.role)).Method(rt.method, rt.pattern, h.handle(rt.handle))
			}
		})
	})
	return r, metricsOnly(m.handler())
}

// metricsOnly serves GET /metrics and answers 404 to anything else.
func metricsOnly(metrics http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics)
	return mux
}

// route is one row of the route table below /v1/orgs/{org}: the least role
// that may use it (see role), and its handler.
type route struct {
	method  string
	pattern string
	role    role
	handle  handlerFunc
}

// orgRoutes is the route table below /v1/orgs/{org}. A platform key keeps
// the space (entities, day-pass uses, imports) and reads what doorsync made
// of it (explain, audit, problems); the Salto KS connection, mappings,
// reconcile runs, holds, webhooks, the platform connection and the
// operator-owned fields of entities (PATCH) are an operator's; orgs and their
// keys are the admin's.
func (h *handlers) orgRoutes() []route {
	rs := []route{
		{"PUT", "/", roleAdmin, h.putOrg},
		{"GET", "/", rolePlatform, h.getOrg},
		{"POST", "/api-keys", roleAdmin, h.createAPIKey},
		{"DELETE", "/api-keys/{id}", roleAdmin, h.deleteAPIKey},

		{"PUT", "/salto", roleOperator, h.putSalto},
		{"GET", "/salto", roleOperator, h.getSalto},
		{"GET", "/salto/authorize", roleOperator, h.authorizeSalto},
		{"GET", "/salto/sites", roleOperator, h.listSaltoSites},
		{"GET", "/salto/sites/{site}/access-groups", roleOperator, h.listSaltoGroups},

		{"PUT", "/platform", roleOperator, h.putPlatform},
		{"GET", "/platform", roleOperator, h.getPlatform},
		{"DELETE", "/platform", roleOperator, h.deletePlatform},
		{"POST", "/platform/sync", roleOperator, h.syncPlatform},
	}
	for _, k := range entity.Kinds {
		rs = append(rs,
			route{"GET", "/" + k.Path, rolePlatform, h.listEntities(k)},
			route{"PUT", "/" + k.Path + "/{id}", rolePlatform, h.putEntity(k)},
			route{"GET", "/" + k.Path + "/{id}", rolePlatform, h.getEntity(k)},
			route{"DELETE", "/" + k.Path + "/{id}", rolePlatform, h.deleteEntity(k)})
		// What the operator owns in an entity a platform holds (a location's
		// Salto KS site, a resource's buffers) is set here.
		if len(entity.OwnedFields(k.Kind)) > 0 {
			rs = append(rs, route{"PATCH", "/" + k.Path + "/{id}", roleOperator, h.patchEntity(k)})
		}
	}
	return append(rs,
		route{"POST", "/day-passes/{id}/uses", rolePlatform, h.useDayPass},
		route{"POST", "/import", rolePlatform, h.importEntities},

		route{"GET", "/mappings", roleOperator, h.listMappings},
		route{"PUT", "/mappings/{kind}/{ref}", roleOperator, h.putMapping},
		route{"DELETE", "/mappings/{kind}/{ref}", roleOperator, h.deleteMapping},

		route{"GET", "/members/{id}/access", rolePlatform, h.explainMember},
		route{"GET", "/guests/{email}/access", rolePlatform, h.explainGuest},
		route{"GET", "/audit", rolePlatform, h.listAudit},
		route{"GET", "/problems", rolePlatform, h.listProblems},
		// A platform may ask too: it changes no data, and it is how a
		// problem it reads is retried once its cause is fixed.
		route{"POST", "/members/{id}/reapply", rolePlatform, h.reapply},

		route{"POST", "/reconcile", roleOperator, h.reconcile},
		route{"GET", "/reconcile/runs/{run_id}", roleOperator, h.getRun},
		route{"GET", "/holds", roleOperator, h.listHolds},
		route{"POST", "/holds/{id}/approve", roleOperator, h.approveHold},
		route{"POST", "/holds/{id}/reject", roleOperator, h.rejectHold},

		route{"GET", "/webhooks", roleOperator, h.listWebhooks},
		route{"PUT", "/webhooks/{id}", roleOperator, h.putWebhook},
		route{"GET", "/webhooks/{id}", roleOperator, h.getWebhook},
		route{"DELETE", "/webhooks/{id}", roleOperator, h.deleteWebhook},
		route{"GET", "/webhooks/{id}/deliveries", roleOperator, h.listDeliveries},
		route{"POST", "/webhooks/{id}/test", roleOperator, h.testWebhook},
	)
}
