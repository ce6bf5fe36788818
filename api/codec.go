package api

import (
	"net/http"
	"strings"

	"go.temporal.io/sdk/converter"
)

// codecPath is where the Temporal UI's and CLI's remote codec protocol is
// served: POST /v1/codec/encode and POST /v1/codec/decode.
const codecPath = "/v1/codec"

// codecEnabled answers 404 while no payload codec is configured: the
// endpoint exists only with DOORSYNC_PAYLOAD_KEY.
func (h *handlers) codecEnabled(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h.codec == nil {
			h.writeError(w, r, errNotFound)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// codecHandler is the SDK's codec protocol handler over the codec.
func codecHandler(c converter.PayloadCodec) http.Handler {
	if c == nil {
		return http.NotFoundHandler()
	}
	return converter.NewPayloadCodecHTTPHandler(c)
}

// codecCORS lets the Temporal UI at origin call the codec endpoint from the
// browser: it answers the preflight (which carries no token) itself and
// adds the CORS headers to the endpoint's answers. An empty origin, or a
// request from another origin, gets no CORS headers.
func codecCORS(origin string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if origin == "" {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !strings.HasPrefix(r.URL.Path, codecPath+"/") || r.Header.Get("Origin") != origin {
				next.ServeHTTP(w, r)
				return
			}
			hd := w.Header()
			hd.Set("Access-Control-Allow-Origin", origin)
			hd.Set("Access-Control-Allow-Credentials", "true")
			hd.Add("Vary", "Origin")
			if r.Method == http.MethodOptions {
				hd.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
				hd.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Namespace")
				hd.Set("Access-Control-Max-Age", "600")
				w.WriteHeader(http.StatusNoContent)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
