package nexudustest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// SignatureHeader carries the delivery's signature (DOC).
const SignatureHeader = "X-Nexudus-Hook-Signature"

// Sign is Nexudus' signature of a body: upper-case hex HMAC-SHA256 with the
// shared secret as key (DOC: the C# snippet's ToString("X2")).
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return strings.ToUpper(hex.EncodeToString(m.Sum(nil)))
}

// Subscribe makes every later change with this action POST to url, as a
// webhook record with that Action would (deliveries are asynchronous, like
// Nexudus'; Close waits for them).
func (s *Server) Subscribe(action Action, url string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.subs[action] = append(s.subs[action], url)
}

// Unsubscribe drops every subscription (webhooks switched off).
func (s *Server) Unsubscribe() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.subs)
}

// Deliver POSTs one delivery now and returns the receiver's status: the
// body a JSON array holding dto, signed when a secret is set.
func (s *Server) Deliver(url string, action Action, dto any) (int, error) {
	s.mu.Lock()
	secret, header := s.secret, s.assume.ActionHeader
	s.mu.Unlock()
	return post(url, action, dto, secret, header)
}

func post(url string, action Action, dto any, secret, actionHeader string) (int, error) {
	body, err := json.Marshal([]any{dto})
	if err != nil {
		return 0, fmt.Errorf("nexudustest: encoding a delivery: %w", err)
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("nexudustest: delivery to %s: %w", url, err)
	}
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set(SignatureHeader, Sign(secret, body))
	}
	if actionHeader != "" {
		req.Header.Set(actionHeader, strconv.Itoa(int(action)))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("nexudustest: delivery to %s: %w", url, err)
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// queueDelivery delivers a change of a stored record to its subscribers.
// Call with s.mu held.
func (s *Server) queueDelivery(entity string, o op, id int) {
	s.queueDeliveryOf(entity, o, s.byIDShape(entity, s.table(entity)[id]))
}

// queueDeliveryOf delivers dto (the by-id shape, or only its Id under
// WebhookIDOnly) with up to 10 retries, as Nexudus retries (DOC). Call
// with s.mu held.
func (s *Server) queueDeliveryOf(entity string, o op, dto M) {
	action := actions[entity][o]
	urls := s.subs[action]
	if action == 0 || len(urls) == 0 {
		return
	}
	var payload any = dto
	if s.assume.WebhookIDOnly {
		payload = M{"Id": dto["Id"]}
	}
	secret, header := s.secret, s.assume.ActionHeader
	for _, url := range urls {
		s.deliver.Add(1)
		go func() {
			defer s.deliver.Done()
			for attempt := range 11 {
				status, err := post(url, action, payload, secret, header)
				if err == nil && status < 300 {
					return
				}
				time.Sleep(time.Duration(attempt+1) * 100 * time.Millisecond)
			}
		}()
	}
}
