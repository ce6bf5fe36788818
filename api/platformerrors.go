package api

import (
	"errors"
	"net/http"

	"doorsync/internal/platformconn"
)

// platformProblem fills p for the errors of platform connections and
// their webhooks, reporting whether err is one.
func platformProblem(err error, p *problem) bool {
	var (
		hostErr *platformconn.HostRefusedError
		refused *platformconn.RefusedError
	)
	switch {
	case errors.As(err, &hostErr):
		p.Status, p.Detail = http.StatusBadRequest, "a platform URL names a host this deployment may not reach; nothing was stored"
		p.Errors = []fieldError{{Field: hostErr.Field, Message: hostErr.Reason}}
	case errors.As(err, &refused):
		p.Status, p.Detail = http.StatusBadGateway, refused.Error()+"; nothing was stored"
	case errors.Is(err, platformconn.ErrUnsupported):
		p.Status, p.Errors = http.StatusBadRequest, []fieldError{{Field: "kind", Message: "this deployment has no connector for this platform"}}
		p.Detail = "the request is not valid"
	case errors.Is(err, platformconn.ErrNotConnected):
		p.Status, p.Detail = http.StatusConflict, "the org is not connected to a platform"
	default:
		return false
	}
	return true
}
