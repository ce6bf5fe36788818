package officerndtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// The control routes, under /__fake/ (not part of OfficeRnD), let a local
// run drive the fake without Go, e.g. with curl during `make run`:
//
//	GET    /__fake/calls                       requests per route
//	POST   /__fake/webhooks                    {"url":"…","on":true}
//	POST   /__fake/objects/{collection}        an object (OfficeRnD fields) → {"_id"}
//	PATCH  /__fake/objects/{collection}/{id}   fields to change (modifiedAt moves)
//	DELETE /__fake/objects/{collection}/{id}
//
// Changes through them are delivered like the Go seeding helpers'.
func (s *Server) controlRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /__fake/calls", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, s.AllCalls()) })
	mux.HandleFunc("POST /__fake/webhooks", s.controlWebhooks)
	mux.HandleFunc("POST /__fake/objects/{coll}", s.controlAdd)
	mux.HandleFunc("PATCH /__fake/objects/{coll}/{id}", s.controlPatch)
	mux.HandleFunc("DELETE /__fake/objects/{coll}/{id}", s.controlRemove)
}

func (s *Server) controlWebhooks(w http.ResponseWriter, r *http.Request) {
	var in struct {
		URL string `json:"url"`
		On  bool   `json:"on"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&in); err != nil {
		writeNest(w, http.StatusBadRequest, err.Error())
		return
	}
	s.SetWebhooks(in.URL, in.On)
	w.WriteHeader(http.StatusNoContent)
}

// controlCollection reads the path's collection, answering 404 for others.
func (s *Server) controlCollection(w http.ResponseWriter, r *http.Request) (Collection, map[string]any, bool) {
	c := Collection(r.PathValue("coll"))
	if _, ok := s.colls[c]; !ok {
		writeNest(w, http.StatusNotFound, "no collection "+string(c))
		return "", nil, false
	}
	if r.Method == http.MethodDelete {
		return c, nil, true
	}
	var fields map[string]any
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&fields); err != nil {
		writeNest(w, http.StatusBadRequest, err.Error())
		return "", nil, false
	}
	return c, fields, true
}

func (s *Server) controlAdd(w http.ResponseWriter, r *http.Request) {
	c, fields, ok := s.controlCollection(w, r)
	if !ok {
		return
	}
	id, err := s.Add(c, fields)
	if err != nil {
		writeNest(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusCreated, map[string]string{"_id": id})
}

func (s *Server) controlPatch(w http.ResponseWriter, r *http.Request) {
	c, fields, ok := s.controlCollection(w, r)
	if !ok {
		return
	}
	if err := s.Patch(c, r.PathValue("id"), fields); err != nil {
		writeNest(w, http.StatusNotFound, err.Error())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) controlRemove(w http.ResponseWriter, r *http.Request) {
	c, _, ok := s.controlCollection(w, r)
	if !ok {
		return
	}
	if err := s.Remove(c, r.PathValue("id")); err != nil {
		writeNest(w, http.StatusNotFound, err.Error())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// Patch sets fields on the object id of c (OfficeRnD's field names and
// formats), moving its modifiedAt where it has one; with webhooks on, the
// change is delivered (X.updated).
func (s *Server) Patch(c Collection, id string, fields map[string]any) error {
	patch, err := toObject(fields)
	if err != nil {
		return err
	}
	s.mu.Lock()
	o, ok := s.colls[c].byID[id]
	if !ok {
		s.mu.Unlock()
		return fmt.Errorf("%w: %s %s", ErrNotFound, c, id)
	}
	n := object{}
	for k, v := range o {
		n[k] = v
	}
	for k, v := range patch {
		if k != "_id" {
			n[k] = v
		}
	}
	if _, had := o["modifiedAt"]; had {
		n["modifiedAt"] = s.stamp().Format(TimeFormat)
	}
	s.colls[c].put(n)
	d := s.pendingDelivery(c, "updated", n)
	s.mu.Unlock()
	s.send(d)
	return nil
}
