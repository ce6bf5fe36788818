package api

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

// maxRequestID is the longest client X-Request-Id kept.
const maxRequestID = 64

// requestID gives each request an id (middleware.GetReqID): the client's
// X-Request-Id when it is 1-64 printable ASCII characters without spaces,
// else one of doorsync's own, so a client cannot put arbitrary text into
// the logs under it.
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !validRequestID(r.Header.Get(middleware.RequestIDHeader)) {
			r.Header.Del(middleware.RequestIDHeader)
		}
		middleware.RequestID(next).ServeHTTP(w, r)
	})
}

func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestID {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] > '~' {
			return false
		}
	}
	return true
}

// routeOf is the route pattern r matched ("/v1/orgs/{org}/guests/{email}/access"),
// or "unmatched": logs and metrics name routes, never raw paths, which
// hold ids and guests' e-mails. It is known once the router has run.
func routeOf(r *http.Request) string {
	if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
		return rc.RoutePattern()
	}
	return unmatchedRoute
}

// unmatchedRoute stands for every path no route matched.
const unmatchedRoute = "unmatched"

// accessLog logs one line per request, with its route pattern and
// request id.
func (h *handlers) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		start := time.Now()
		next.ServeHTTP(ww, r)
		h.log.InfoContext(r.Context(), "http request",
			"method", r.Method, "route", routeOf(r), "status", ww.Status(), "bytes", ww.BytesWritten(),
			"duration_ms", time.Since(start).Milliseconds(), "request_id", middleware.GetReqID(r.Context()))
	})
}

// recoverPanics turns a panic into a logged 500 problem.
func (h *handlers) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
					panic(v)
				}
				h.writeError(w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}
