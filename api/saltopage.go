package api

import (
	"bytes"
	"html/template"
	"net/http"
)

// connectedPage is what the browser sees once an org is connected.
var connectedPage = template.Must(template.New("connected").Parse(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Salto KS connected · doorsync</title></head>
<body>
<h1>Salto KS connected</h1>
<p>The org <strong>{{.Name}}</strong> (<code>{{.ID}}</code>) is now connected to Salto KS.
doorsync keeps its door access in step from here on.</p>
<p>You can close this page. The operator console will live at
<a href="{{.Console}}">{{.Console}}</a> in a later release; until then, see
<code>GET /v1/orgs/{{.ID}}/salto</code> for the connection's status.</p>
</body>
</html>
`))

type connectedView struct {
	ID, Name, Console string
}

// saltoConnectedPage says which org a completed flow connected.
func (h *handlers) saltoConnectedPage(w http.ResponseWriter, r *http.Request, orgID string) error {
	org, err := h.store.GetOrg(r.Context(), orgID)
	if err != nil {
		return err
	}
	var page bytes.Buffer
	if err := connectedPage.Execute(&page, connectedView{ID: org.ID, Name: org.Name, Console: h.publicURL + "/console/"}); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, err = page.WriteTo(w)
	return err
}
