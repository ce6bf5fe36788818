package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.temporal.io/sdk/client"
	"golang.org/x/sync/errgroup"

	"doorsync/activities"
	"doorsync/api"
	"doorsync/internal/config"
	"doorsync/internal/guestkey"
	"doorsync/internal/health"
	"doorsync/internal/outbox"
	"doorsync/internal/payloadcodec"
	"doorsync/internal/platformconn"
	"doorsync/internal/reconciler"
	"doorsync/internal/saltoconn"
	"doorsync/internal/webhook"
	"doorsync/store"
	"doorsync/worker"
)

// services are the long-lived connections the api and worker share.
type services struct {
	store    *store.Store
	temporal client.Client
	salto    *saltoconn.Manager
	// platforms links orgs to their coworking platform (the API connects
	// them and takes their webhooks; the sync reads them).
	platforms *platformconn.Conns
	relay     *outbox.Relay
	rec       *reconciler.Reconciler
	guests    *guestkey.Keyer
	// hooks keeps the orgs' webhooks; sender delivers their events (in
	// the API process).
	hooks  *webhook.Hooks
	sender *webhook.Sender
	// codec encrypts Temporal payloads (the client's data converter), served
	// by the API at /v1/codec; nil without DOORSYNC_PAYLOAD_KEY.
	codec *payloadcodec.Codec
}

func (e *environment) connect(ctx context.Context) (*services, error) {
	st, err := e.openStore(ctx)
	if err != nil {
		return nil, err
	}
	box, err := e.secretBox()
	if err != nil {
		st.Close()
		return nil, err
	}
	guests, err := e.guestKeyer()
	if err != nil {
		st.Close()
		return nil, err
	}
	codec, err := e.payloadCodec()
	if err != nil {
		st.Close()
		return nil, err
	}
	tc, err := e.dialTemporal(ctx)
	if err != nil {
		st.Close()
		return nil, err
	}
	salto := saltoconn.New(saltoconn.Options{
		Store: st, Secrets: box, Logger: e.log.With("component", "salto"),
		Partner: saltoconn.PartnerClient(e.cfg.SaltoOAuth), Egress: e.cfg.SaltoEgress,
		RequestsPerSecond: e.cfg.SaltoRateLimit, Burst: e.cfg.SaltoBurst,
	})
	relay := &outbox.Relay{Store: st, Temporal: tc, TaskQueue: e.cfg.Temporal.TaskQueue, Log: e.log.With("component", "outbox"),
		Guests: guests, Versioned: e.cfg.Temporal.WorkerDeployment != ""}
	rec := &reconciler.Reconciler{Client: tc, TaskQueue: e.cfg.Temporal.TaskQueue}
	hooks := &webhook.Hooks{Store: st, Secrets: box, Egress: e.cfg.WebhookEgress}
	sender := &webhook.Sender{Store: st, Secrets: box, Egress: e.cfg.WebhookEgress, Log: e.log.With("component", "webhooks")}
	return &services{store: st, temporal: tc, salto: salto, platforms: e.platformConns(st, box), relay: relay, rec: rec, guests: guests,
		hooks: hooks, sender: sender, codec: codec}, nil
}

// temporalHealth is nil when Temporal's frontend answers.
func (s *services) temporalHealth(ctx context.Context) error {
	_, err := s.temporal.CheckHealth(ctx, &client.CheckHealthRequest{})
	return err
}

func (s *services) close() {
	s.temporal.Close()
	s.store.Close()
}

func runAPI(ctx context.Context, env *environment, _ []string) error {
	if env.cfg.AdminToken == "" {
		return errors.New("DOORSYNC_ADMIN_TOKEN is required (use `doorsync dev` to have one generated)")
	}
	svc, err := env.connect(ctx)
	if err != nil {
		return err
	}
	defer svc.close()
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return serveAPI(ctx, env, svc) })
	g.Go(func() error { return svc.relay.Run(ctx) })
	g.Go(func() error { return svc.sender.Run(ctx) })
	return g.Wait()
}

func runWorker(ctx context.Context, env *environment, _ []string) error {
	svc, err := env.connect(ctx)
	if err != nil {
		return err
	}
	defer svc.close()
	l, err := listenTCP(env.cfg.WorkerAddr)
	if err != nil {
		return fmt.Errorf("listen on %s (DOORSYNC_WORKER_ADDR): %w", env.cfg.WorkerAddr, err)
	}
	env.log.Info("worker polling", "task_queue", env.cfg.Temporal.TaskQueue)
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		return api.Serve(ctx, l, workerHandler(env, svc), env.cfg.ShutdownTimeout, env.log.With("listener", "worker"))
	})
	g.Go(func() error { return runWorkerLoop(ctx, env, svc) })
	g.Go(func() error { return svc.relay.Run(ctx) })
	return g.Wait()
}

// workerHandler serves the worker's /healthz, /readyz (503 unless both
// Postgres and Temporal answer: a worker without either does no work) and
// /metrics: Prometheus's default registry, which holds the Temporal SDK's
// metrics (temporalmetrics), doorsync's counters and doorsync_temporal_up.
func workerHandler(env *environment, svc *services) http.Handler {
	temporal := health.NewProbe(svc.temporalHealth)
	if err := prometheus.Register(health.TemporalUp(temporal)); err != nil {
		env.log.Warn("doorsync_temporal_up is not served", "err", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", health.Healthz)
	mux.Handle("GET /readyz", health.Readyz(env.log, map[string]health.Check{"postgres": svc.store.Ping, "temporal": temporal.Check}, nil))
	mux.Handle("GET /metrics", promhttp.Handler())
	return mux
}

func runWorkerLoop(ctx context.Context, env *environment, svc *services) error {
	ensureSchedules(ctx, env, svc)
	acts := &activities.Activities{Store: svc.store, Salto: svc.salto, Workflows: svc.rec, Orgs: svc.rec, Log: env.log.With("component", "activities"),
		Guests: svc.guests, Platform: platformSync(svc)}
	err := worker.Run(ctx, svc.temporal, env.cfg.Temporal.TaskQueue, acts, worker.Options{StopTimeout: env.cfg.ShutdownTimeout,
		Deployment: env.cfg.Temporal.WorkerDeployment, Log: env.log.With("component", "worker")})
	if errors.Is(err, worker.ErrStopTimedOut) {
		env.log.Warn("worker still stopping at the end of the shutdown timeout; Temporal retries what was running",
			"timeout", env.cfg.ShutdownTimeout)
		return nil
	}
	if err == nil {
		env.log.Info("worker stopped")
	}
	return err
}

// runDev runs the api and the worker in one process; with -demo-salto it
// also loads the demo org against that (fake) Salto KS, its space from the
// (fake) OfficeRnD at -demo-officernd when given, else the built-in one.
func runDev(ctx context.Context, env *environment, args []string) error {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	demoSalto := fs.String("demo-salto", "", "load the demo org, connected to the Salto KS at this URL (also the partner client unless DOORSYNC_SALTO_CLIENT_ID is set)")
	demoOfficeRnD := fs.String("demo-officernd", "", "with -demo-salto: load the demo org from the (fake) OfficeRnD at this URL "+
		"instead of the built-in space, allowing it on the platforms' allow-list")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *demoOfficeRnD != "" && *demoSalto == "" {
		return errDemoPlatformNeedsSalto
	}
	if err := env.devDefaults(); err != nil {
		return err
	}
	if err := env.allowDemoSalto(*demoSalto); err != nil {
		return err
	}
	if err := env.allowDemoPlatform(*demoOfficeRnD); err != nil {
		return err
	}
	env.demoPartnerClient(*demoSalto)
	svc, err := env.connect(ctx)
	if err != nil {
		return err
	}
	defer svc.close()
	l, err := listen(env)
	if err != nil {
		return err
	}
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return serveOn(ctx, env, svc, l) })
	g.Go(func() error { return runWorkerLoop(ctx, env, svc) })
	g.Go(func() error { return svc.relay.Run(ctx) })
	g.Go(func() error { return svc.sender.Run(ctx) })
	switch apiBase := "http://" + l.Addr().String(); {
	case *demoOfficeRnD != "":
		g.Go(func() error { return loadOfficeRnDDemo(ctx, env, apiBase, *demoSalto, *demoOfficeRnD) })
	case *demoSalto != "":
		g.Go(func() error { return loadDemo(ctx, env, apiBase, *demoSalto) })
	}
	return g.Wait()
}

// allowDemoSalto adds the Salto KS the demo is loaded against (the fake,
// on loopback and plain http) to the allow-list: dev was told to use it.
func (e *environment) allowDemoSalto(url string) error {
	if url == "" {
		return nil
	}
	p, err := e.cfg.SaltoEgress.With(url)
	if err != nil {
		return fmt.Errorf("-demo-salto: %w", err)
	}
	e.cfg.SaltoEgress = p
	return nil
}

// demoPartnerClient makes the Salto KS the demo is loaded against (the
// fake) the deployment's partner client, so an org can be connected
// through the authorization-code flow too, unless one is configured
// (DOORSYNC_SALTO_CLIENT_ID).
func (e *environment) demoPartnerClient(url string) {
	if url == "" || e.cfg.SaltoOAuth.ClientID != "" {
		return
	}
	e.cfg.SaltoOAuth = config.SaltoOAuth{ClientID: demoClientID, ClientSecret: demoClientSecret, IdentityURL: url, APIURL: url}
}

// ensureSchedules makes every org's reconcile schedule match its settings
// (a schedule the API could not update when the org was saved, say), but
// for orgs being deleted.
func ensureSchedules(ctx context.Context, env *environment, svc *services) {
	ids, err := svc.store.OrgIDs(ctx)
	if err != nil {
		env.log.WarnContext(ctx, "could not list orgs to check reconcile schedules", "err", err)
		return
	}
	for _, id := range ids {
		org, err := svc.store.GetOrg(ctx, id)
		if err == nil && org.DeletingSince != nil {
			continue // its deletion removes the schedule
		}
		if err == nil {
			err = svc.rec.EnsureSchedule(ctx, id, org.Settings.ReconcileInterval)
		}
		if err != nil {
			env.log.WarnContext(ctx, "could not ensure the reconcile schedule", "org", id, "err", err)
			continue
		}
		ensurePlatformSchedule(ctx, env, svc, org)
	}
}

func listen(env *environment) (net.Listener, error) {
	l, err := listenTCP(env.cfg.HTTPAddr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", env.cfg.HTTPAddr, err)
	}
	return l, nil
}

func serveAPI(ctx context.Context, env *environment, svc *services) error {
	l, err := listen(env)
	if err != nil {
		return err
	}
	return serveOn(ctx, env, svc, l)
}

// serveOn serves the API on l and, when DOORSYNC_METRICS_ADDR is set,
// /metrics on a listener of its own (and then not on l).
func serveOn(ctx context.Context, env *environment, svc *services, l net.Listener) error {
	app, metrics := api.NewHandlers(apiDeps(env, svc))
	if env.cfg.MetricsAddr == "" {
		return api.Serve(ctx, l, app, env.cfg.ShutdownTimeout, env.log)
	}
	ml, err := listenTCP(env.cfg.MetricsAddr)
	if err != nil {
		_ = l.Close()
		return fmt.Errorf("listen on %s (DOORSYNC_METRICS_ADDR): %w", env.cfg.MetricsAddr, err)
	}
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return api.Serve(ctx, l, app, env.cfg.ShutdownTimeout, env.log) })
	g.Go(func() error {
		return api.Serve(ctx, ml, metrics, env.cfg.ShutdownTimeout, env.log.With("listener", "metrics"))
	})
	return g.Wait()
}

// apiDeps wires the API to the process's services and configuration.
func apiDeps(env *environment, svc *services) api.Deps {
	d := api.Deps{
		Logger:          env.log,
		Store:           svc.store,
		AdminToken:      env.cfg.AdminToken,
		Salto:           svc.salto,
		PublicURL:       env.cfg.PublicURL,
		Outbox:          svc.relay,
		Reconciler:      svc.rec,
		OrgDeleter:      svc.rec,
		Webhooks:        svc.hooks,
		Platforms:       svc.platforms,
		PlatformSync:    svc.rec,
		ImportMaxBytes:  env.cfg.ImportMaxBytes,
		SeparateMetrics: env.cfg.MetricsAddr != "",
		CodecCORSOrigin: env.cfg.CodecCORSOrigin,
		OnOrgSaved: func(ctx context.Context, org store.Org) error {
			if err := svc.rec.EnsureSchedule(ctx, org.ID, org.Settings.ReconcileInterval); err != nil {
				env.log.WarnContext(ctx, "could not update the reconcile schedule; the worker retries at start", "org", org.ID, "err", err)
			}
			return nil
		},
		Readiness: map[string]api.Check{"postgres": svc.store.Ping},
		Temporal:  svc.temporalHealth,
	}
	if svc.codec != nil {
		d.PayloadCodec = svc.codec
	}
	return d
}

// The API checks through the reconciler whether a run still runs.
var _ api.RunChecker = (*reconciler.Reconciler)(nil)

// listenTCP listens on addr (net.ListenConfig, the context-aware listen).
func listenTCP(addr string) (net.Listener, error) {
	return (&net.ListenConfig{}).Listen(context.Background(), "tcp", addr)
}
