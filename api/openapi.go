package api

import (
	_ "embed"
	"net/http"
)

// openAPIDocument is the HTTP contract as OpenAPI 3.1.
//
//go:embed openapi.yaml
var openAPIDocument []byte

// handleOpenAPI serves the contract; it needs no token.
func handleOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/yaml")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(openAPIDocument) // as writeBody
}
