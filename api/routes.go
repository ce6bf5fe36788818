package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"doorsync/contract"
	"doorsync/internal/saltoconn"
	"doorsync/store"
)

// Deps are what the API needs from the rest of doorsync.
type Deps struct {
	Logger *slog.Logger
	Store  *store.Store
	// AdminToken may do everything; it is required.
	AdminToken string
	// Readiness names the dependencies /readyz checks.
	Readiness map[string]Check
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
	// OnOrgSaved runs after an org is created or changed (e.g. to keep its
	// reconcile schedule in step); nil does nothing.
	OnOrgSaved func(context.Context, store.Org) error
}

// Reconciler starts a ReconcileWorkflow; with wait it returns when the run
// has finished (dry runs).
type Reconciler interface {
	Reconcile(ctx context.Context, in contract.ReconcileInput, wait bool) (contract.ReconcileOrgResult, error)
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
	onOrgSaved func(context.Context, store.Org) error
	salto      *saltoconn.Manager
	publicURL  string
	outbox     Flusher
	now        func() time.Time
	reconciler Reconciler
}

// NewHandler builds the API's one route table.
func NewHandler(d Deps) http.Handler {
	h := &handlers{log: d.Logger, store: d.Store, adminToken: d.AdminToken, readiness: d.Readiness, onOrgSaved: d.OnOrgSaved,
		salto: d.Salto, publicURL: d.PublicURL, outbox: d.Outbox, now: d.Now, reconciler: d.Reconciler}
	if h.now == nil {
		h.now = time.Now
	}
	r := chi.NewRouter()
	m := newMetrics(h)
	r.Use(middleware.RequestID, h.accessLog, m.observe, h.recoverPanics)
	r.NotFound(h.handle(func(http.ResponseWriter, *http.Request) error { return errNotFound }))
	r.MethodNotAllowed(h.handle(func(http.ResponseWriter, *http.Request) error {
		return httpError(http.StatusMethodNotAllowed, "method not allowed")
	}))

	r.Get("/healthz", handleHealthz)
	r.Get("/readyz", h.handleReadyz)
	r.Handle("/metrics", m.handler())
	r.Get("/openapi.yaml", handleOpenAPI)

	r.Get("/v1/salto/callback", h.handle(h.saltoCallback))
	r.Route("/v1/orgs/{org}", func(r chi.Router) {
		r.Use(h.validatePathIDs, h.authenticate, h.scopeToOrg)
		// The ids below the mount are known only once the route matched, so
		// this group checks them again there.
		r.Group(func(r chi.Router) {
			r.Use(h.validatePathIDs)
			r.With(h.adminOnly).Put("/", h.handle(h.putOrg))
			r.Get("/", h.handle(h.getOrg))
			r.With(h.adminOnly).Post("/api-keys", h.handle(h.createAPIKey))
			r.With(h.adminOnly).Delete("/api-keys/{id}", h.handle(h.deleteAPIKey))

			r.Put("/salto", h.handle(h.putSalto))
			r.Get("/salto", h.handle(h.getSalto))
			r.Get("/salto/authorize", h.handle(h.authorizeSalto))
			r.Get("/salto/sites", h.handle(h.listSaltoSites))
			r.Get("/salto/sites/{site}/access-groups", h.handle(h.listSaltoGroups))

			for _, k := range entityKinds {
				r.Put("/"+k.path+"/{id}", h.handle(h.putEntity(k)))
				r.Get("/"+k.path+"/{id}", h.handle(h.getEntity(k)))
				r.Delete("/"+k.path+"/{id}", h.handle(h.deleteEntity(k)))
			}
			r.Post("/day-passes/{id}/uses", h.handle(h.useDayPass))
			r.Post("/import", h.handle(h.importEntities))

			r.Get("/mappings", h.handle(h.listMappings))
			r.Put("/mappings/{kind}/{ref}", h.handle(h.putMapping))
			r.Delete("/mappings/{kind}/{ref}", h.handle(h.deleteMapping))

			r.Get("/members/{id}/access", h.handle(h.explainMember))
			r.Get("/guests/{email}/access", h.handle(h.explainGuest))
			r.Get("/audit", h.handle(h.listAudit))

			r.Post("/reconcile", h.handle(h.reconcile))
			r.Get("/reconcile/runs/{run_id}", h.handle(h.getRun))
			r.Get("/holds", h.handle(h.listHolds))
			r.Post("/holds/{id}/approve", h.handle(h.approveHold))
			r.Post("/holds/{id}/reject", h.handle(h.rejectHold))
		})
	})
	return r
}
